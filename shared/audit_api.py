"""The auditors' questions, asked of one service's audit trail (shared.audit): who viewed or changed person X,
what did user U do, between which dates; and is the hash chain intact, and how far has sealing come. Each service
mounts `audit_router(audit, AuditEvent, prefix=...)` over its own trail, in its own database.

Audit reads are scoped like every other read: a county-wide auditor reads the whole trail, a township auditor only
the events concerning their own jurisdiction (the row's `jurisdictions`)."""

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.audit import ActorKind, AuditLog, Outcome
from shared.auth import CurrentPrincipal, Principal
from shared.db import SessionDep
from shared.errors import Forbidden, problem_responses
from shared.openapi import resource_operation_id
from shared.pagination import Page, PageParams, PageParamsDep, keyset_page

AUDIT_SCOPE = "audit:read"
READ_OPERATION = "audit.read"
VERIFY_OPERATION = "audit.verify"
RESOURCE_TYPE = "audit_event"
logger = logging.getLogger("qihang.audit")

OUTCOME_LABELS_ZH: dict[str, str] = {
    "success": "成功",
    "denied": "拒绝",
    "not_found": "未找到",
    "invalid": "无效请求",
    "error": "出错",
}


class FieldChange(BaseModel):
    old: Any = Field(
        description='The value before: a code, date, status, amount, version or id; "[redacted]" for any other '
        "(personal) value; null when there was none.",
        examples=["dapu"],
    )
    new: Any = Field(
        description='The value after: a code, date, status, amount, version or id; "[redacted]" for any other '
        "(personal) value; null when there is none.",
        examples=["dongquan"],
    )


class AuditEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int = Field(description="Position in the audit trail; grows with time.", examples=[10482])
    at: datetime = Field(description="When, to the millisecond.", examples=["2026-11-29T08:15:30.123Z"])
    actor_subject: str = Field(
        description="Who: the user's or integration client's id (`sub` of the token), or `system`.",
        examples=["0f9c4d1e-7a52-4b8e-9d3a-2c61b0e4f8a7"],
    )
    actor_kind: ActorKind = Field(description="user, client or system.", examples=["user"])
    actor_name: str = Field(description="The actor's display name when it acted.", examples=["韦丽"])
    actor_roles: list[str] = Field(description="The actor's roles when it acted.", examples=[["staff"]])
    actor_department: str | None = Field(description="The actor's department code.", examples=["township"])
    actor_jurisdiction: str | None = Field(
        description="The actor's jurisdiction code; null means county-wide.", examples=["dapu"]
    )
    operation: str = Field(
        description="What was done, e.g. person.read, person.update, person.list, person.export, "
        "person.id_number.unmask, placement.create, audit.read.",
        examples=["person.update"],
    )
    resource_type: str = Field(description="The kind of record concerned.", examples=["person"])
    resource_ids: list[uuid.UUID] = Field(
        description="The people concerned (for a list, those on the page returned).",
        examples=[["8d1f6a52-3c0b-4e5e-9f1a-7b2d4c6e8a90"]],
    )
    jurisdictions: list[str] = Field(
        description="Jurisdiction codes of the people and records concerned when it happened; a township auditor "
        "sees only events of their own. Empty: nothing of a jurisdiction was concerned (county auditors only).",
        examples=[["dapu"]],
    )
    changes: dict[str, FieldChange] | None = Field(
        description="For a write: every field changed, by name; values only where they are not personal (codes, "
        "dates, statuses, amounts, versions, ids), otherwise redacted.",
        # No null in an example: FastAPI drops null values from the published document, which would leave `old` out.
        examples=[
            {
                "education": {"old": "junior_high", "new": "senior_high"},
                "residence_address": {"old": "[redacted]", "new": "[redacted]"},
            }
        ],
    )
    outcome: Outcome = Field(
        description="success, denied, not_found, invalid or error (refused attempts are recorded too).",
        examples=["success"],
    )
    outcome_label_zh: str = Field(description="The outcome in Chinese.", examples=["成功"])
    request_id: str | None = Field(
        description="X-Request-ID of the request, to find it in the logs.", examples=["6f1c2b7e0b7d4d2f"]
    )
    seq: int | None = Field(
        description="Place in the hash chain, given by the sealer moments after the event's transaction ended; "
        "null until then.",
        examples=[10480],
    )
    prev_hash: str | None = Field(
        description="sha256 (hex) of the event before this one in the chain; null until sealed.",
        examples=["3a7bd3e2…"],
    )
    hash: str | None = Field(
        description="sha256 (hex) of prev_hash and this event's content; see the trail's /verify; null until sealed.",
        examples=["9c56cc51…"],
    )


class ChainVerification(BaseModel):
    ok: bool = Field(
        description="True when every sealed event checked is unchanged, in its place and linked to the one before."
    )
    checked: int = Field(description="How many sealed events were recomputed.", examples=[10482])
    first_bad_id: int | None = Field(
        description="The first event whose content, place or link does not match (changed in place: that event; "
        "rewritten or removed: the event after it); null when ok.",
        examples=[None],
    )
    sealed: int = Field(
        description="Events in the chain when the check began (the check covers at most these).", examples=[10482]
    )
    sealed_up_to_id: int | None = Field(
        description="Id of the last event in the chain; null while nothing is sealed.", examples=[10490]
    )
    sealed_up_to_at: datetime | None = Field(
        description="When the last event in the chain happened.", examples=["2026-11-29T08:15:30.123Z"]
    )
    unsealed: int = Field(
        description="Events recorded but not chained yet: sealing follows within a second, unless a transaction "
        "still running holds it back (events are then delayed, never skipped).",
        examples=[3],
    )
    oldest_unsealed_at: datetime | None = Field(
        description="When the oldest unsealed event happened; null when none.", examples=["2026-11-29T08:15:31.042Z"]
    )


@dataclass(frozen=True, slots=True)
class AuditEventFilter:
    person_id: uuid.UUID | None = None
    actor: str | None = None
    operation: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def _to_read(event: Any) -> AuditEventRead:
    read = AuditEventRead.model_validate(
        {
            **{name: getattr(event, name) for name in AuditEventRead.model_fields if name != "outcome_label_zh"},
            "outcome_label_zh": OUTCOME_LABELS_ZH[event.outcome],
        }
    )
    return read


def people_concerned(events: list[AuditEventRead], filters: AuditEventFilter) -> set[uuid.UUID]:
    """Whose trail was read: the person asked about, and everyone the returned events name (their `changes` can
    hold a person's values), so "who viewed person X" also finds the auditors who looked at X's trail."""
    ids = {person_id for event in events for person_id in event.resource_ids}
    if filters.person_id is not None:
        ids.add(filters.person_id)
    return ids


async def _page(
    session: AsyncSession, model: Any, principal: Principal, filters: AuditEventFilter, params: PageParams
) -> tuple[list[Any], str | None]:
    stmt = select(model)
    if not principal.county_wide:
        stmt = stmt.where(model.jurisdictions.contains([principal.jurisdiction]))
    if filters.person_id is not None:
        stmt = stmt.where(model.resource_ids.contains([filters.person_id]))
    if filters.actor is not None:
        stmt = stmt.where(model.actor_subject == filters.actor)
    if filters.operation is not None:
        stmt = stmt.where(model.operation == filters.operation)
    if filters.since is not None:
        stmt = stmt.where(model.at >= filters.since)
    if filters.until is not None:
        stmt = stmt.where(model.at < filters.until)
    return await keyset_page(
        session, stmt, params, keys=[model.at, model.id], descending=True, convert=[datetime.fromisoformat, int]
    )


def _person_asked_about(request: Request) -> list[uuid.UUID]:
    try:
        return [uuid.UUID(request.query_params["person_id"])]
    except (KeyError, ValueError):
        return []


PersonFilter = Annotated[
    uuid.UUID | None, Query(description="Only events concerning this person: who viewed or changed them.")
]
ActorFilter = Annotated[
    str | None, Query(min_length=1, max_length=255, description="Only what this user or client (token `sub`) did.")
]
OperationFilter = Annotated[
    str | None,
    Query(max_length=100, pattern=r"^[a-z_.]+$", description="Only this operation.", examples=["person.read"]),
]
SinceFilter = Annotated[
    AwareDatetime | None,
    Query(description="From this time on (inclusive); RFC 3339 with a zone.", examples=["2026-11-01T00:00:00+08:00"]),
]
UntilFilter = Annotated[
    AwareDatetime | None,
    Query(description="Before this time (exclusive); RFC 3339 with a zone.", examples=["2026-12-01T00:00:00+08:00"]),
]
SinceId = Annotated[
    int | None,
    Query(
        ge=1,
        description="Start at this sealed event (linked to the one before it in the chain); default the "
        "first. 404 when the event is unknown or not sealed yet.",
    ),
]
CheckLimit = Annotated[int | None, Query(ge=1, description="Check at most this many events; default all.")]


def auditor(audit: AuditLog, operation: str):
    """The dependency of an audit operation: the caller needs the audit:read scope; a refusal is itself recorded as
    `denied`."""

    async def _check(request: Request, session: SessionDep, principal: CurrentPrincipal) -> Principal:
        if principal.has_scope(AUDIT_SCOPE):
            return principal
        await audit.refuse(
            session,
            principal=principal,
            operation=operation,
            resource_type=RESOURCE_TYPE,
            resource_ids=_person_asked_about(request),
            outcome="denied",
        )
        raise Forbidden(f"This operation needs the scope(s): {AUDIT_SCOPE}.", code="insufficient_scope")

    return _check


async def list_events(
    audit: AuditLog,
    model: Any,
    session: AsyncSession,
    principal: Principal,
    filters: AuditEventFilter,
    params: PageParams,
) -> Page[AuditEventRead]:
    """A page of the trail, the reading itself audited with the people it showed."""
    async with audit.audited(
        session,
        principal=principal,
        operation=READ_OPERATION,
        resource_type=RESOURCE_TYPE,
        resource_ids=people_concerned([], filters),
    ) as trail:
        rows, next_cursor = await _page(session, model, principal, filters, params)
        items = [_to_read(row) for row in rows]
        trail.resource_ids = list(people_concerned(items, filters))
    return Page(items=items, next_cursor=next_cursor, limit=params.limit)


async def verify_chain(
    audit: AuditLog, session: AsyncSession, principal: Principal, since_id: int | None, limit: int | None
) -> ChainVerification:
    """The chain recomputed (the check audited, a break logged as an error), with how far sealing has come."""
    async with audit.audited(session, principal=principal, operation=VERIFY_OPERATION, resource_type=RESOURCE_TYPE):
        result = await audit.verify(session, since_id=since_id, limit=limit)
    if not result.ok:
        logger.error("audit chain broken", extra={"first_bad_id": result.first_bad_id})
    progress = result.progress
    return ChainVerification(
        ok=result.ok,
        checked=result.checked,
        first_bad_id=result.first_bad_id,
        sealed=progress.sealed,
        sealed_up_to_id=progress.sealed_up_to_id,
        sealed_up_to_at=progress.sealed_up_to_at,
        unsealed=progress.unsealed,
        oldest_unsealed_at=progress.oldest_unsealed_at,
    )


def audit_router(audit: AuditLog, model: Any, *, prefix: str, tags: list[str] | None = None) -> APIRouter:
    """The list and verify routes over `audit`'s trail; `model` is the service's read-only ORM mapping of it."""
    router = APIRouter(prefix=prefix, tags=tags or ["audit"])

    @router.get("", operation_id=resource_operation_id("list", prefix), responses=problem_responses(400, 403, 422))
    async def list_audit_events(
        principal: Annotated[Principal, Depends(auditor(audit, READ_OPERATION))],
        session: SessionDep,
        params: PageParamsDep,
        person_id: PersonFilter = None,
        actor: ActorFilter = None,
        operation: OperationFilter = None,
        since: SinceFilter = None,
        until: UntilFilter = None,
    ) -> Page[AuditEventRead]:
        """List audit events, newest first: who viewed or changed a person, what a user did, in a time range.

        A township auditor sees only events concerning their own jurisdiction."""
        filters = AuditEventFilter(person_id=person_id, actor=actor, operation=operation, since=since, until=until)
        return await list_events(audit, model, session, principal, filters, params)

    @router.get(
        "/verify", operation_id=resource_operation_id("verify", prefix), responses=problem_responses(403, 404, 422)
    )
    async def verify_audit_events(
        principal: Annotated[Principal, Depends(auditor(audit, VERIFY_OPERATION))],
        session: SessionDep,
        since_id: SinceId = None,
        limit: CheckLimit = None,
    ) -> ChainVerification:
        """Recompute the audit trail's hash chain, report the first event changed or removed, and how far sealing
        has come."""
        return await verify_chain(audit, session, principal, since_id, limit)

    return router
