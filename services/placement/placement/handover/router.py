import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from placement.employers.schemas import JurisdictionCode
from placement.handover import service
from placement.handover.repository import HandoverFilter
from placement.handover.schemas import HandoverClose, HandoverRead, HandoverStatus
from shared.auth import Principal, require_scopes
from shared.concurrency import IfMatch, send_versioned
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.pagination import Page, PageParamsDep
from shared.routes import versioned

router = APIRouter(prefix="/api/v1/handovers", tags=["handovers"])
Reader = Annotated[Principal, Depends(require_scopes("placement:read"))]
Writer = Annotated[Principal, Depends(require_scopes("placement:write"))]


@router.get("", responses=problem_responses(400, 403, 422))
async def list_handovers(
    session: SessionDep,
    principal: Reader,
    params: PageParamsDep,
    status: Annotated[
        HandoverStatus | None,
        Query(description="pending (the default: still waiting), placed or closed."),
    ] = "pending",
    jurisdiction_code: Annotated[JurisdictionCode | None, Query(description="Only this jurisdiction.")] = None,
    person_id: Annotated[uuid.UUID | None, Query(description="Only this person's entries.")] = None,
) -> Page[HandoverRead]:
    """List people released from facilities and waiting for placement, longest waiting first.

    Entries are opened from the registry's feed when a compulsory isolation (or a facility rehabilitation) ends at
    term, or a community rehabilitation starts; each shows its days waiting. Township staff see only their own
    jurisdiction's people."""
    filters = HandoverFilter(status=status, jurisdiction_code=jurisdiction_code, person_id=person_id)
    return Page.of(await service.list_handovers(session, principal=principal, filters=filters, params=params), params)


@router.get("/{handover_id}", **versioned(403, 404, 422))
async def get_handover(
    session: SessionDep, principal: Reader, handover_id: uuid.UUID, response: Response
) -> HandoverRead:
    """Get one hand-over entry, with its version as ETag."""
    return send_versioned(response, await service.get_handover(session, principal=principal, handover_id=handover_id))


@router.post("/{handover_id}/close", **versioned(403, 404, 409, 412, 422, 428))
async def close_handover(
    session: SessionDep,
    principal: Writer,
    handover_id: uuid.UUID,
    body: HandoverClose,
    response: Response,
    if_match: IfMatch = None,
) -> HandoverRead:
    """Close a pending entry with a coded reason other than placement (placing the person closes it by itself).

    Needs If-Match with the entry's ETag; a closed entry stays closed (409)."""
    return send_versioned(
        response,
        await service.close_handover(
            session, principal=principal, handover_id=handover_id, data=body, if_match=if_match, today=date.today()
        ),
    )
