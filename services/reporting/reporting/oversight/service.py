"""Oversight: supervision visits (督导) with findings and corrective actions, joint meetings (联席会议) with decisions
and action items, and the list of what is overdue. The NCO records visits and meetings; the NCO or the owning
township records progress; township staff see only their own jurisdiction's visits (another's is 404)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

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
from shared.query import or_raise, where_given
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


def _in_year(column: InstrumentedAttribute[date], year: int) -> ColumnElement[bool]:
    return column.between(date(year, 1, 1), date(year, 12, 31))


async def _add_with_open_tasks(
    session: AsyncSession,
    source: SupervisionVisit | JointMeeting,
    tasks: list[CorrectiveAction] | list[ActionItem],
    source_column: InstrumentedAttribute[uuid.UUID],
) -> None:
    """Insert a visit or meeting, then its corrective actions or action items (open, version 1) under it, and
    read it back with them."""
    session.add(source)
    await session.flush()
    for task in tasks:
        task.id, task.status, task.version = uuid.uuid4(), "open", 1
        setattr(task, source_column.key, source.id)
        session.add(task)
    await session.flush()
    await session.refresh(source)


async def _task_for_update(
    session: AsyncSession,
    model: type[CorrectiveAction] | type[ActionItem],
    task_id: uuid.UUID,
    source_column: InstrumentedAttribute[uuid.UUID],
    source_id: uuid.UUID,
) -> Any:
    return await session.scalar(select(model).where(model.id == task_id, source_column == source_id).with_for_update())


async def _newest(session: AsyncSession, stmt: Select[Any]) -> list[Any]:
    return list((await session.scalars(stmt.limit(500))).all())


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
        actions = [
            CorrectiveAction(jurisdiction_code=data.jurisdiction_code, description=a.description, due_on=a.due_on)
            for a in data.corrective_actions
        ]
        await _add_with_open_tasks(session, visit, actions, CorrectiveAction.visit_id)
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
    stmt = where_given(
        select(SupervisionVisit).order_by(SupervisionVisit.visited_on.desc(), SupervisionVisit.id),
        (SupervisionVisit.jurisdiction_code, visible),
        (SupervisionVisit.jurisdiction_code, jurisdiction),
    )
    if year is not None:
        stmt = stmt.where(_in_year(SupervisionVisit.visited_on, year))
    return await _newest(session, stmt)


async def _progress(
    session: AsyncSession, row: CorrectiveAction | ActionItem, data: ProgressUpdate, if_match: str | None, today: date
) -> None:
    require_version(if_match, row.version)
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
    await session.flush()


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
    action = or_raise(
        await _task_for_update(session, CorrectiveAction, action_id, CorrectiveAction.visit_id, visit.id),
        ActionNotFound,
        "No such corrective action.",
    )
    await _progress(session, action, data, if_match, today)
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
        items = [
            ActionItem(
                description=i.description,
                owner_department=i.owner_department,
                owner_jurisdiction=i.owner_jurisdiction,
                due_on=i.due_on,
            )
            for i in data.action_items
        ]
        await _add_with_open_tasks(session, meeting, items, ActionItem.meeting_id)
        return meeting_read(meeting, today)

    return await idempotency.create(
        session, principal.subject, idempotency_key, "POST /api/v1/joint-meetings", data, MeetingRead, write
    )


async def get_meeting(session: AsyncSession, *, principal: Principal, meeting_id: uuid.UUID) -> JointMeeting:
    policy.require_view(principal)
    return or_raise(await session.get(JointMeeting, meeting_id), MeetingNotFound, "No such joint meeting.")


async def list_meetings(session: AsyncSession, *, principal: Principal, year: int | None) -> list[JointMeeting]:
    policy.require_view(principal)
    stmt = select(JointMeeting).order_by(JointMeeting.held_on.desc(), JointMeeting.id)
    if year is not None:
        stmt = stmt.where(_in_year(JointMeeting.held_on, year))
    return await _newest(session, stmt)


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
    item = or_raise(
        await _task_for_update(session, ActionItem, item_id, ActionItem.meeting_id, meeting.id),
        ActionNotFound,
        "No such action item.",
    )
    policy.require_action_update(principal, item.owner_jurisdiction)
    await _progress(session, item, data, if_match, today)
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
