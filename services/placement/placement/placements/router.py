import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from placement.auditing import audited
from placement.placements import service
from placement.placements.filters import PlacementFilterDep
from placement.placements.schemas import (
    FollowUpDue,
    FollowUpRead,
    FollowUpRecord,
    PlacementCorrection,
    PlacementCreate,
    PlacementEnd,
    PlacementRead,
)
from placement.registry_client import RegistryDep
from shared.auth import CurrentPrincipal
from shared.concurrency import IfMatch, send_versioned
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.idempotency import IdempotencyKeyHeader
from shared.pagination import Page, PageParamsDep
from shared.routes import audited_call, audited_create, audited_page, creates, person_ids, person_of, versioned

router = APIRouter(prefix="/api/v1/placements", tags=["placements"])


@router.get("", responses=problem_responses(400, 403, 422))
async def list_placements(
    session: SessionDep, principal: CurrentPrincipal, params: PageParamsDep, filters: PlacementFilterDep
) -> Page[PlacementRead]:
    """List placements, newest first; township staff see their jurisdiction's people, an employer's client its own."""
    return await audited_page(
        audited(session, principal, "placement.list"),
        service.list_placements(session, principal=principal, filters=filters, params=params),
        params,
        resources=person_ids,
    )


@router.post(
    "",
    **creates(403, 404, 409, 422, 503, 504, etag=True),
    response_description="The placement (or, on a retry with the same Idempotency-Key, the first result).",
)
async def create_placement(
    session: SessionDep,
    principal: CurrentPrincipal,
    registry: RegistryDep,
    data: PlacementCreate,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> PlacementRead:
    """Place a person (checked with the registry), with the employment contract; takes a place of the post.

    409 when the person cannot be placed, already has an active full-time placement, or the post is full or not
    open; 503 when the registry is unavailable and 504 when it does not answer in time (nothing is written then)."""
    return await audited_create(
        audited(session, principal, "placement.create", person_ids=[data.person_id]),
        service.create_placement(
            session, principal=principal, registry=registry, data=data, idempotency_key=idempotency_key
        ),
        response,
        changes=lambda item: {"placement_id": (None, str(item.id)), "route": (None, item.route)},
        collection=router.prefix,
        versioned=True,
    )


@router.get("/follow-ups-due", responses=problem_responses(400, 403, 422))
async def list_follow_ups_due(
    session: SessionDep,
    principal: CurrentPrincipal,
    params: PageParamsDep,
    as_of: Annotated[date | None, Query(description="Due on or before this day (default today).")] = None,
) -> Page[FollowUpDue]:
    """Follow-ups (3, 6, 12 months) due and not yet recorded, oldest first, of placements running then."""
    return await audited_page(
        audited(session, principal, "placement.follow_up.list"),
        service.follow_ups_due(session, principal=principal, as_of=as_of or date.today(), params=params),
        params,
        resources=person_ids,
    )


@router.get("/{placement_id}", **versioned(403, 404, 422))
async def get_placement(
    session: SessionDep, principal: CurrentPrincipal, placement_id: uuid.UUID, response: Response
) -> PlacementRead:
    """Get one placement with its contract and follow-ups, its version as ETag."""
    placement = await audited_call(
        audited(session, principal, "placement.read"),
        service.get_placement(session, principal=principal, placement_id=placement_id),
        resources=person_of,
    )
    return send_versioned(response, placement)


@router.patch("/{placement_id}", **versioned(403, 404, 409, 412, 422, 428))
async def correct_placement(
    session: SessionDep,
    principal: CurrentPrincipal,
    placement_id: uuid.UUID,
    data: PlacementCorrection,
    response: Response,
    if_match: IfMatch = None,
) -> PlacementRead:
    """Correct a placement's recorded contract or site (not a renewal); needs If-Match."""
    async with audited(session, principal, "placement.correct") as trail:
        placement, changes = await service.correct_placement(
            session, principal=principal, placement_id=placement_id, data=data, if_match=if_match
        )
        trail.resource_ids = [placement.person_id]
        trail.changes = changes
    return send_versioned(response, placement)


@router.post("/{placement_id}/end", **versioned(403, 404, 409, 412, 422, 428))
async def end_placement(
    session: SessionDep,
    principal: CurrentPrincipal,
    placement_id: uuid.UUID,
    data: PlacementEnd,
    response: Response,
    if_match: IfMatch = None,
) -> PlacementRead:
    """End a placement with its last day and a coded reason; frees the post's place; needs If-Match."""
    placement = await audited_call(
        audited(session, principal, "placement.end"),
        service.end_placement(session, principal=principal, placement_id=placement_id, data=data, if_match=if_match),
        changes=lambda _: {"ended_on": (None, str(data.ended_on)), "end_reason": (None, data.reason)},
        resources=person_of,
    )
    return send_versioned(response, placement)


@router.put("/{placement_id}/follow-ups/{months}", **versioned(403, 404, 409, 412, 422, 428))
async def record_follow_up(
    session: SessionDep,
    principal: CurrentPrincipal,
    placement_id: uuid.UUID,
    months: Annotated[int, Path(ge=1, le=120, description="3, 6 or 12 (others do not exist: 404).")],
    data: FollowUpRecord,
    response: Response,
    if_match: IfMatch = None,
) -> FollowUpRead:
    """Record (or correct) the 3-, 6- or 12-month follow-up: is the person still working? Needs If-Match."""
    async with audited(session, principal, "placement.follow_up.record") as trail:
        follow_up, person_id = await service.record_follow_up(
            session, principal=principal, placement_id=placement_id, months=months, data=data, if_match=if_match
        )
        trail.resource_ids = [person_id]
        trail.changes = {"months": (None, months), "still_working": (None, data.still_working)}
    return send_versioned(response, follow_up)
