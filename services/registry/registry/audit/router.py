import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from registry.audit import service
from registry.audit.dependencies import AuditReader, AuditVerifier
from registry.audit.repository import AuditEventFilter
from registry.audit.schemas import AuditEventRead, ChainVerification
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.pagination import Page, PageParamsDep

router = APIRouter(prefix="/api/v1/audit-events", tags=["audit"])


@router.get("", responses=problem_responses(400, 403, 422))
async def list_audit_events(
    principal: AuditReader,
    session: SessionDep,
    params: PageParamsDep,
    person_id: Annotated[
        uuid.UUID | None, Query(description="Only events concerning this person: who viewed or changed them.")
    ] = None,
    actor: Annotated[
        str | None,
        Query(min_length=1, max_length=255, description="Only what this user or client (token `sub`) did."),
    ] = None,
    operation: Annotated[
        str | None,
        Query(max_length=100, pattern=r"^[a-z_.]+$", description="Only this operation.", examples=["person.read"]),
    ] = None,
    since: Annotated[
        AwareDatetime | None,
        Query(
            description="From this time on (inclusive); RFC 3339 with a zone.", examples=["2026-11-01T00:00:00+08:00"]
        ),
    ] = None,
    until: Annotated[
        AwareDatetime | None,
        Query(
            description="Before this time (exclusive); RFC 3339 with a zone.", examples=["2026-12-01T00:00:00+08:00"]
        ),
    ] = None,
) -> Page[AuditEventRead]:
    """List audit events, newest first: who viewed or changed a person, what a user did, in a time range."""
    filters = AuditEventFilter(person_id=person_id, actor=actor, operation=operation, since=since, until=until)
    items, next_cursor = await service.list_events(session, principal=principal, filters=filters, params=params)
    return Page(items=items, next_cursor=next_cursor, limit=params.limit)


@router.get("/verify", responses=problem_responses(403, 422))
async def verify_audit_events(
    principal: AuditVerifier,
    session: SessionDep,
    since_id: Annotated[
        int | None, Query(ge=1, description="Start at this event (linked to the one before it); default the first.")
    ] = None,
    limit: Annotated[int | None, Query(ge=1, description="Check at most this many events; default all.")] = None,
) -> ChainVerification:
    """Recompute the audit trail's hash chain and report the first event changed or removed, if any."""
    return await service.verify_chain(session, principal=principal, since_id=since_id, limit=limit)
