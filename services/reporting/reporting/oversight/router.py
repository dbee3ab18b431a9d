import uuid
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from reporting.oversight import service
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
from reporting.reports.router import TABLE_RESPONSES, table
from shared.auth import CurrentPrincipal
from shared.concurrency import IfMatch, send_versioned
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.idempotency import IdempotencyKeyHeader, send_created
from shared.routes import creates, versioned

visits = APIRouter(prefix="/api/v1/supervision-visits", tags=["oversight"])
meetings = APIRouter(prefix="/api/v1/joint-meetings", tags=["oversight"])
overdue = APIRouter(prefix="/api/v1/overdue-actions", tags=["oversight"])
Year = Annotated[int | None, Query(ge=2012, le=2100, description="Only this year's.")]
FormatQuery = Annotated[Literal["json", "csv", "xlsx"], Query(description="json, or the table as csv or xlsx.")]


def _today() -> date:
    return date.today()


@visits.post("", **creates(403, 422))
async def create_visit(
    session: SessionDep,
    principal: CurrentPrincipal,
    data: VisitCreate,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> VisitRead:
    """Record a supervision visit (督导) with its findings and corrective actions (NCO)."""
    created = await service.create_visit(
        session, principal=principal, data=data, idempotency_key=idempotency_key, today=_today()
    )
    return send_created(response, created, location=f"/api/v1/supervision-visits/{created.item.id}")


@visits.get("", responses=TABLE_RESPONSES | problem_responses(403, 422), response_model=list[VisitRead])
async def list_visits(
    session: SessionDep,
    principal: CurrentPrincipal,
    year: Year = None,
    jurisdiction: Annotated[str | None, Query(max_length=40, description="Only this jurisdiction's.")] = None,
    format: FormatQuery = "json",
) -> Any:
    """List supervision visits, newest first (township staff: their own jurisdiction's)."""
    rows = [
        service.visit_read(v, _today())
        for v in await service.list_visits(session, principal=principal, jurisdiction=jurisdiction, year=year)
    ]
    if format == "json":
        return rows
    table_rows = []
    for v in rows:
        head = [v.visited_on, v.jurisdiction_name_zh, v.kind, "、".join(v.inspectors), "；".join(v.findings)]
        for a in v.corrective_actions:
            done = "已完成" if a.status == "done" else "未完成"
            table_rows.append([*head, a.description, a.due_on, done, a.done_on])
        if not v.corrective_actions:
            table_rows.append([*head, None, None, None, None])
    return table(
        format,
        "supervision-visits",
        ["督导日期", "乡镇", "方式", "督导人员", "发现问题", "整改事项", "整改期限", "状态", "完成日期"],
        table_rows,
    )


@visits.get("/{visit_id}", responses=problem_responses(403, 404))
async def get_visit(session: SessionDep, principal: CurrentPrincipal, visit_id: uuid.UUID) -> VisitRead:
    """Read a supervision visit with its corrective actions."""
    return service.visit_read(await service.get_visit(session, principal=principal, visit_id=visit_id), _today())


@visits.patch("/{visit_id}/actions/{action_id}", **versioned(403, 404, 412, 422, 428))
async def update_action(
    session: SessionDep,
    principal: CurrentPrincipal,
    visit_id: uuid.UUID,
    action_id: uuid.UUID,
    data: ProgressUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> ActionRead:
    """Record progress of a corrective action (the NCO or the jurisdiction's own staff), with If-Match."""
    return send_versioned(
        response,
        await service.update_action(
            session,
            principal=principal,
            visit_id=visit_id,
            action_id=action_id,
            data=data,
            if_match=if_match,
            today=_today(),
        ),
    )


@meetings.post("", **creates(403, 422))
async def create_meeting(
    session: SessionDep,
    principal: CurrentPrincipal,
    data: MeetingCreate,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> MeetingRead:
    """Record a joint meeting (联席会议): units present, decisions and action items (NCO)."""
    created = await service.create_meeting(
        session, principal=principal, data=data, idempotency_key=idempotency_key, today=_today()
    )
    return send_created(response, created, location=f"/api/v1/joint-meetings/{created.item.id}")


@meetings.get("", responses=TABLE_RESPONSES | problem_responses(403, 422), response_model=list[MeetingRead])
async def list_meetings(
    session: SessionDep, principal: CurrentPrincipal, year: Year = None, format: FormatQuery = "json"
) -> Any:
    """List joint meetings, newest first."""
    rows = [
        service.meeting_read(m, _today()) for m in await service.list_meetings(session, principal=principal, year=year)
    ]
    if format == "json":
        return rows
    table_rows = [
        [
            m.held_on,
            m.title,
            "、".join(m.units_present),
            i.description,
            i.owner_department_zh,
            i.due_on,
            "已完成" if i.status == "done" else "未完成",
            i.done_on,
        ]
        for m in rows
        for i in m.action_items
    ]
    return table(
        format,
        "joint-meetings",
        ["会议日期", "会议", "参会单位", "工作事项", "责任单位", "完成期限", "状态", "完成日期"],
        table_rows,
    )


@meetings.get("/{meeting_id}", responses=problem_responses(403, 404))
async def get_meeting(session: SessionDep, principal: CurrentPrincipal, meeting_id: uuid.UUID) -> MeetingRead:
    """Read a joint meeting with its decisions and action items."""
    return service.meeting_read(
        await service.get_meeting(session, principal=principal, meeting_id=meeting_id), _today()
    )


@meetings.patch("/{meeting_id}/action-items/{item_id}", **versioned(403, 404, 412, 422, 428))
async def update_item(
    session: SessionDep,
    principal: CurrentPrincipal,
    meeting_id: uuid.UUID,
    item_id: uuid.UUID,
    data: ProgressUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> ItemRead:
    """Record progress of an action item (the NCO, or the township that owns it), with If-Match."""
    return send_versioned(
        response,
        await service.update_item(
            session,
            principal=principal,
            meeting_id=meeting_id,
            item_id=item_id,
            data=data,
            if_match=if_match,
            today=_today(),
        ),
    )


@overdue.get("", responses=TABLE_RESPONSES | problem_responses(403, 422), response_model=list[OverdueRead])
async def list_overdue(
    session: SessionDep,
    principal: CurrentPrincipal,
    as_of: Annotated[
        date | None, Query(description="Overdue on this day (default today).", examples=["2014-04-01"])
    ] = None,
    format: FormatQuery = "json",
) -> Any:
    """Corrective actions and action items still open after their due date, most overdue first."""
    rows = await service.overdue(session, principal=principal, as_of=as_of or _today())
    if format == "json":
        return rows
    table_rows = [[r.kind, r.owner, r.description, r.source_on, r.due_on, r.days_overdue] for r in rows]
    return table(
        format, "overdue-actions", ["类别", "责任单位", "事项", "督导/会议日期", "期限", "逾期天数"], table_rows
    )
