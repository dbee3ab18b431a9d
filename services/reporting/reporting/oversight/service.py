"""Oversight: supervision visits (督导) with findings and corrective actions, joint meetings (联席会议) with decisions
and action items, and the list of what is overdue. The NCO records visits and meetings; the NCO or the owning
township records progress; township staff see only their own jurisdiction's visits (another's is 404)."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.idempotency import store as idempotency
from reporting.oversight.models import ActionItem, CorrectiveAction, JointMeeting, SupervisionVisit
from reporting.oversight.schemas import (
    ActionRead,
    ItemRead,
    MeetingCreate,
    MeetingRead,
    OverdueRead,
    ProgressUpdate,
    VisitCreate,
    VisitRead,
)
from reporting.reports import policy
from shared.auth import Principal
from shared.concurrency import require_version
from shared.errors import AppError, FieldError, NotFound
from shared.idempotency import Created
from shared.reads import read_of
from shared.reference import DEPARTMENTS, JURISDICTIONS


class VisitNotFound(NotFound):
    code = "visit_not_found"


class MeetingNotFound(NotFound):
    code = "meeting_not_found"


class ActionNotFound(NotFound):
    code = "action_not_found"


class InvalidOversight(AppError):
    status, code, title = 422, "invalid_oversight", "Invalid input"


def _invalid(field: str, message: str) -> InvalidOversight:
    return InvalidOversight(f"{field}: {message}.", errors=[FieldError(field=field, message=message)])


def action_read(a: CorrectiveAction, today: date) -> ActionRead:
    return read_of(ActionRead, a, overdue=a.status == "open" and a.due_on < today)


def visit_read(v: SupervisionVisit, today: date) -> VisitRead:
    return read_of(
        VisitRead,
        v,
        jurisdiction_name_zh=JURISDICTIONS[v.jurisdiction_code][0],
        corrective_actions=[action_read(a, today) for a in v.actions],
    )


def item_read(i: ActionItem, today: date) -> ItemRead:
    return read_of(
        ItemRead,
        i,
        owner_department_zh=DEPARTMENTS.get(i.owner_department, i.owner_department),
        overdue=i.status == "open" and i.due_on < today,
    )


def meeting_read(m: JointMeeting, today: date) -> MeetingRead:
    return read_of(MeetingRead, m, action_items=[item_read(i, today) for i in m.items])


async def create_visit(
    session: AsyncSession, *, principal: Principal, data: VisitCreate, idempotency_key: str | None, today: date
) -> Created[VisitRead]:
    policy.require_plan(principal)

    async def write() -> VisitRead:
        if data.jurisdiction_code not in JURISDICTIONS:
            raise _invalid("body.jurisdiction_code", "unknown jurisdiction")
        if data.visited_on > today:
            raise _invalid("body.visited_on", "in the future")
        for i, action in enumerate(data.corrective_actions):
            if action.due_on < data.visited_on:
                raise _invalid(f"body.corrective_actions.{i}.due_on", "before the visit")
        visit = SupervisionVisit(
            id=uuid.uuid4(),
            visited_on=data.visited_on,
            jurisdiction_code=data.jurisdiction_code,
            kind=data.kind,
            inspectors=data.inspectors,
            findings=data.findings,
            created_by=principal.name,
        )
        session.add(visit)
        await session.flush()
        for action in data.corrective_actions:
            session.add(
                CorrectiveAction(
                    id=uuid.uuid4(),
                    visit_id=visit.id,
                    jurisdiction_code=data.jurisdiction_code,
                    description=action.description,
                    due_on=action.due_on,
                    status="open",
                    version=1,
                )
            )
        await session.flush()
        await session.refresh(visit)
        return visit_read(visit, today)

    return await idempotency.create(
        session, principal.subject, idempotency_key, "POST /api/v1/supervision-visits", data, VisitRead, write
    )


async def get_visit(session: AsyncSession, *, principal: Principal, visit_id: uuid.UUID) -> SupervisionVisit:
    visible = policy.visible_jurisdiction(principal)
    visit = await session.get(SupervisionVisit, visit_id)
    if visit is None or (visible is not None and visit.jurisdiction_code != visible):
        raise VisitNotFound("No such supervision visit.")
    return visit


async def list_visits(
    session: AsyncSession, *, principal: Principal, jurisdiction: str | None, year: int | None
) -> list[SupervisionVisit]:
    visible = policy.visible_jurisdiction(principal)
    stmt = select(SupervisionVisit).order_by(SupervisionVisit.visited_on.desc(), SupervisionVisit.id)
    if visible is not None:
        stmt = stmt.where(SupervisionVisit.jurisdiction_code == visible)
    if jurisdiction is not None:
        stmt = stmt.where(SupervisionVisit.jurisdiction_code == jurisdiction)
    if year is not None:
        stmt = stmt.where(SupervisionVisit.visited_on.between(date(year, 1, 1), date(year, 12, 31)))
    return list((await session.scalars(stmt.limit(500))).all())


def _progress(row: CorrectiveAction | ActionItem, data: ProgressUpdate, today: date) -> None:
    if data.status == "done":
        if data.done_on is None:
            raise _invalid("body.done_on", "required when the status is done")
        if data.done_on > today:
            raise _invalid("body.done_on", "in the future")
    elif data.done_on is not None:
        raise _invalid("body.done_on", "only with status done")
    row.status = data.status
    row.done_on = data.done_on
    if data.progress_note is not None:
        row.progress_note = data.progress_note
    row.version += 1


async def update_action(
    session: AsyncSession,
    *,
    principal: Principal,
    visit_id: uuid.UUID,
    action_id: uuid.UUID,
    data: ProgressUpdate,
    if_match: str | None,
    today: date,
) -> ActionRead:
    visit = await get_visit(session, principal=principal, visit_id=visit_id)
    policy.require_action_update(principal, visit.jurisdiction_code)
    action = await session.scalar(
        select(CorrectiveAction)
        .where(CorrectiveAction.id == action_id, CorrectiveAction.visit_id == visit.id)
        .with_for_update()
    )
    if action is None:
        raise ActionNotFound("No such corrective action.")
    require_version(if_match, action.version)
    _progress(action, data, today)
    await session.flush()
    return action_read(action, today)


async def create_meeting(
    session: AsyncSession, *, principal: Principal, data: MeetingCreate, idempotency_key: str | None, today: date
) -> Created[MeetingRead]:
    policy.require_plan(principal)

    async def write() -> MeetingRead:
        if data.held_on > today:
            raise _invalid("body.held_on", "in the future")
        for i, unit in enumerate(data.units_present):
            if unit not in DEPARTMENTS:
                raise _invalid(f"body.units_present.{i}", "unknown department")
        for i, item in enumerate(data.action_items):
            if item.owner_department not in DEPARTMENTS:
                raise _invalid(f"body.action_items.{i}.owner_department", "unknown department")
            if item.owner_jurisdiction is not None and item.owner_jurisdiction not in JURISDICTIONS:
                raise _invalid(f"body.action_items.{i}.owner_jurisdiction", "unknown jurisdiction")
            if item.due_on < data.held_on:
                raise _invalid(f"body.action_items.{i}.due_on", "before the meeting")
        meeting = JointMeeting(
            id=uuid.uuid4(),
            held_on=data.held_on,
            title=data.title,
            units_present=data.units_present,
            decisions=data.decisions,
            created_by=principal.name,
        )
        session.add(meeting)
        await session.flush()
        for item in data.action_items:
            session.add(
                ActionItem(
                    id=uuid.uuid4(),
                    meeting_id=meeting.id,
                    description=item.description,
                    owner_department=item.owner_department,
                    owner_jurisdiction=item.owner_jurisdiction,
                    due_on=item.due_on,
                    status="open",
                    version=1,
                )
            )
        await session.flush()
        await session.refresh(meeting)
        return meeting_read(meeting, today)

    return await idempotency.create(
        session, principal.subject, idempotency_key, "POST /api/v1/joint-meetings", data, MeetingRead, write
    )


async def get_meeting(session: AsyncSession, *, principal: Principal, meeting_id: uuid.UUID) -> JointMeeting:
    policy.require_view(principal)
    meeting = await session.get(JointMeeting, meeting_id)
    if meeting is None:
        raise MeetingNotFound("No such joint meeting.")
    return meeting


async def list_meetings(session: AsyncSession, *, principal: Principal, year: int | None) -> list[JointMeeting]:
    policy.require_view(principal)
    stmt = select(JointMeeting).order_by(JointMeeting.held_on.desc(), JointMeeting.id)
    if year is not None:
        stmt = stmt.where(JointMeeting.held_on.between(date(year, 1, 1), date(year, 12, 31)))
    return list((await session.scalars(stmt.limit(500))).all())


async def update_item(
    session: AsyncSession,
    *,
    principal: Principal,
    meeting_id: uuid.UUID,
    item_id: uuid.UUID,
    data: ProgressUpdate,
    if_match: str | None,
    today: date,
) -> ItemRead:
    meeting = await get_meeting(session, principal=principal, meeting_id=meeting_id)
    item = await session.scalar(
        select(ActionItem).where(ActionItem.id == item_id, ActionItem.meeting_id == meeting.id).with_for_update()
    )
    if item is None:
        raise ActionNotFound("No such action item.")
    policy.require_action_update(principal, item.owner_jurisdiction)
    require_version(if_match, item.version)
    _progress(item, data, today)
    await session.flush()
    return item_read(item, today)


async def overdue(session: AsyncSession, *, principal: Principal, as_of: date) -> list[OverdueRead]:
    """Corrective actions and action items still open after their due date, most overdue first (township staff:
    their own jurisdiction's)."""
    visible = policy.visible_jurisdiction(principal)
    actions = (
        select(CorrectiveAction, SupervisionVisit.visited_on)
        .join(SupervisionVisit)
        .where(CorrectiveAction.status == "open", CorrectiveAction.due_on < as_of)
    )
    items = (
        select(ActionItem, JointMeeting.held_on)
        .join(JointMeeting)
        .where(ActionItem.status == "open", ActionItem.due_on < as_of)
    )
    if visible is not None:
        actions = actions.where(CorrectiveAction.jurisdiction_code == visible)
        items = items.where(or_(ActionItem.owner_jurisdiction == visible, ActionItem.owner_jurisdiction.is_(None)))
    out = [
        OverdueRead(
            kind="corrective_action",
            id=a.id,
            source_id=a.visit_id,
            source_on=on,
            owner=JURISDICTIONS[a.jurisdiction_code][0],
            description=a.description,
            due_on=a.due_on,
            days_overdue=(as_of - a.due_on).days,
        )
        for a, on in (await session.execute(actions)).all()
    ]
    out += [
        OverdueRead(
            kind="action_item",
            id=i.id,
            source_id=i.meeting_id,
            source_on=on,
            owner=JURISDICTIONS[i.owner_jurisdiction][0]
            if i.owner_jurisdiction
            else DEPARTMENTS.get(i.owner_department, i.owner_department),
            description=i.description,
            due_on=i.due_on,
            days_overdue=(as_of - i.due_on).days,
        )
        for i, on in (await session.execute(items)).all()
    ]
    return sorted(out, key=lambda r: (-r.days_overdue, str(r.id)))
