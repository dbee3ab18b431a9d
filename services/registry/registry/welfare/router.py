import uuid

from fastapi import APIRouter, Response

from registry.persons.routes import PersonRecords
from registry.welfare import service
from registry.welfare.auditing import audited
from registry.welfare.schemas import ReliefCreate, ReliefRead, WelfareRead, WelfareUpdate
from shared.auth import CurrentPrincipal
from shared.concurrency import IfMatch, send_versioned
from shared.db import SessionDep
from shared.pagination import Page, PageParamsDep
from shared.routes import versioned

router = APIRouter(prefix="/api/v1/persons/{person_id}/welfare", tags=["welfare"])
relief = PersonRecords(router, "/relief", "welfare.relief", listed="list", audited=audited)


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


@relief.listing(service.list_relief, to_read=service.relief_to_read)
def list_relief(params: PageParamsDep) -> Page[ReliefRead]:
    """Temporary relief (临时救助) paid to the person, newest first."""


@relief.create(service.record_relief)
def record_relief(body: ReliefCreate) -> ReliefRead:
    """Record temporary relief paid to the person; send Idempotency-Key so a retry records it once."""
