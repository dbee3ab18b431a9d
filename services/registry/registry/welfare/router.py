import uuid

from fastapi import APIRouter, Response

from registry.welfare import service
from registry.welfare.auditing import audited
from registry.welfare.schemas import ReliefCreate, ReliefRead, WelfareRead, WelfareUpdate
from shared.auth import CurrentPrincipal
from shared.concurrency import IfMatch, send_versioned
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.idempotency import IdempotencyKeyHeader, send_created
from shared.openapi import response_headers
from shared.pagination import Page, PageParamsDep

router = APIRouter(prefix="/api/v1/persons/{person_id}/welfare", tags=["welfare"])


@router.get("", responses=problem_responses(403, 404), openapi_extra=response_headers(200, "ETag"))
async def get_welfare(
    session: SessionDep, principal: CurrentPrincipal, person_id: uuid.UUID, response: Response
) -> WelfareRead:
    """The person's current welfare and employment status; the ETag header is what If-Match wants."""
    async with audited(session, principal, "welfare.read", person_ids=[person_id]):
        return send_versioned(response, await service.get_welfare(session, principal=principal, person_id=person_id))


@router.put("", responses=problem_responses(403, 404, 409, 412, 422, 428), openapi_extra=response_headers(200, "ETag"))
async def update_welfare(
    session: SessionDep,
    principal: CurrentPrincipal,
    person_id: uuid.UUID,
    body: WelfareUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> WelfareRead:
    """Set sections of the welfare record (If-Match required; `"0"` before the first one); only your sections."""
    async with audited(session, principal, "welfare.update", person_ids=[person_id]) as trail:
        record, trail.changes = await service.update_welfare(
            session, principal=principal, person_id=person_id, data=body, if_match=if_match
        )
    return send_versioned(response, record)


@router.get("/relief", responses=problem_responses(400, 403, 404))
async def list_relief(
    session: SessionDep, principal: CurrentPrincipal, person_id: uuid.UUID, params: PageParamsDep
) -> Page[ReliefRead]:
    """Temporary relief (临时救助) paid to the person, newest first."""
    async with audited(session, principal, "welfare.relief.list", person_ids=[person_id]):
        rows, cursor = await service.list_relief(session, principal=principal, person_id=person_id, params=params)
    return Page(items=[service.relief_to_read(r) for r in rows], next_cursor=cursor, limit=params.limit)


@router.post("/relief", status_code=201, responses=problem_responses(403, 404, 409, 422))
async def record_relief(
    session: SessionDep,
    principal: CurrentPrincipal,
    person_id: uuid.UUID,
    body: ReliefCreate,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> ReliefRead:
    """Record temporary relief paid to the person; send Idempotency-Key so a retry records it once."""
    async with audited(session, principal, "welfare.relief.create", person_ids=[person_id]) as trail:
        created = await service.record_relief(
            session, principal=principal, person_id=person_id, data=body, idempotency_key=idempotency_key
        )
        trail.changes = {field: {"old": None, "new": value} for field, value in body.model_dump().items()}
    return send_created(response, created)
