import uuid

from fastapi import APIRouter, Response

from registry.welfare import service
from registry.welfare.auditing import audited
from registry.welfare.schemas import ReliefCreate, ReliefRead, WelfareRead, WelfareUpdate
from shared.auth import CurrentPrincipal
from shared.concurrency import IfMatch, send_versioned
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.idempotency import IdempotencyKeyHeader
from shared.pagination import Page, PageParamsDep
from shared.routes import audited_create, audited_page, body_values, versioned

router = APIRouter(prefix="/api/v1/persons/{person_id}/welfare", tags=["welfare"])


@router.get("", **versioned(403, 404))
async def get_welfare(
    session: SessionDep, principal: CurrentPrincipal, person_id: uuid.UUID, response: Response
) -> WelfareRead:
    """The person's current welfare and employment status; the ETag header is what If-Match wants."""
    async with audited(session, principal, "welfare.read", person_ids=[person_id]):
        return send_versioned(response, await service.get_welfare(session, principal=principal, person_id=person_id))


@router.put("", **versioned(403, 404, 409, 412, 422, 428))
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
    return await audited_page(
        audited(session, principal, "welfare.relief.list", person_ids=[person_id]),
        service.list_relief(session, principal=principal, person_id=person_id, params=params),
        params,
        to_read=service.relief_to_read,
    )


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
    return await audited_create(
        audited(session, principal, "welfare.relief.create", person_ids=[person_id]),
        service.record_relief(
            session, principal=principal, person_id=person_id, data=body, idempotency_key=idempotency_key
        ),
        response,
        changes=lambda _: body_values(body),
    )
