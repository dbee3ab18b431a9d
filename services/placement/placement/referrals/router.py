import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from placement.auditing import audited
from placement.referrals import service
from placement.referrals.repository import ReferralFilter
from placement.referrals.schemas import ReferralCreate, ReferralMove, ReferralRead, ReferralStatus
from placement.registry_client import RegistryDep
from shared.auth import CurrentPrincipal
from shared.concurrency import IfMatch, send_versioned
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.idempotency import IdempotencyKeyHeader
from shared.pagination import Page, PageParamsDep
from shared.routes import audited_call, audited_create, audited_page, creates, person_ids, person_of, versioned

router = APIRouter(prefix="/api/v1/referrals", tags=["referrals"])


@router.get("", responses=problem_responses(400, 403, 422))
async def list_referrals(
    session: SessionDep,
    principal: CurrentPrincipal,
    params: PageParamsDep,
    person_id: Annotated[uuid.UUID | None, Query(description="Only this person's referrals.")] = None,
    post_id: Annotated[uuid.UUID | None, Query(description="Only referrals to this post.")] = None,
    status: Annotated[ReferralStatus | None, Query(description="Only referrals at this step.")] = None,
) -> Page[ReferralRead]:
    """List referrals with their history, newest first; township staff see their people's, employers their posts'."""
    filters = ReferralFilter(person_id=person_id, post_id=post_id, status=status)
    return await audited_page(
        audited(session, principal, "referral.list"),
        service.list_referrals(session, principal=principal, filters=filters, params=params),
        params,
        resources=person_ids,
    )


@router.post(
    "",
    **creates(403, 404, 409, 422, 503, 504, etag=True),
    response_description="The referral (or, on a retry with the same Idempotency-Key, the first result).",
)
async def create_referral(
    session: SessionDep,
    principal: CurrentPrincipal,
    registry: RegistryDep,
    data: ReferralCreate,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> ReferralRead:
    """Recommend a person to an open job post (checked with the registry); starts at recommended."""
    return await audited_create(
        audited(session, principal, "referral.create", person_ids=[data.person_id]),
        service.create_referral(
            session, principal=principal, registry=registry, data=data, idempotency_key=idempotency_key
        ),
        response,
        collection=router.prefix,
        versioned=True,
    )


@router.get("/{referral_id}", **versioned(403, 404, 422))
async def get_referral(
    session: SessionDep, principal: CurrentPrincipal, referral_id: uuid.UUID, response: Response
) -> ReferralRead:
    """Get one referral with its history, its version as ETag."""
    referral = await audited_call(
        audited(session, principal, "referral.read"),
        service.get_referral(session, principal=principal, referral_id=referral_id),
        resources=person_of,
    )
    return send_versioned(response, referral)


@router.post("/{referral_id}/moves", **versioned(403, 404, 409, 412, 422, 428, 503, 504))
async def move_referral(
    session: SessionDep,
    principal: CurrentPrincipal,
    registry: RegistryDep,
    referral_id: uuid.UUID,
    data: ReferralMove,
    response: Response,
    if_match: IfMatch = None,
) -> ReferralRead:
    """Move a referral on (interview, offer, hired, or declined with a reason); needs If-Match. A hire may carry the
    placement (route and contract), recorded with it; without one the hired referral offers the request that
    records it (create_placement)."""
    async with audited(session, principal, "referral.move") as trail:
        referral = await service.move_referral(
            session, principal=principal, referral_id=referral_id, data=data, if_match=if_match, registry=registry
        )
        trail.resource_ids = [referral.person_id]
        trail.changes = {"status": (referral.history[-1].from_status, referral.status)}
        if referral.placement_id is not None:
            trail.changes["placement_id"] = (None, str(referral.placement_id))
    return send_versioned(response, referral)
