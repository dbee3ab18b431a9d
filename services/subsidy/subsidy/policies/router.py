import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from shared.auth import Principal, require_scopes
from shared.concurrency import IfMatch, set_etag
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.idempotency import IdempotencyKeyHeader, send_created
from shared.pagination import Page, PageParamsDep
from shared.routes import audited_page, creates, versioned
from subsidy.auditing import audited
from subsidy.policies import service
from subsidy.policies.schemas import (
    PolicyCreate,
    PolicyDifferences,
    PolicyRead,
    PolicyStatus,
    PolicyUpdate,
    SubsidyTypeRead,
    TierForHeadcount,
)
from subsidy.types import SUBSIDY_TYPES

router = APIRouter(prefix="/api/v1/subsidy-policies", tags=["subsidy-policies"])
types_router = APIRouter(prefix="/api/v1/subsidy-types", tags=["subsidy-policies"])
Reader = Annotated[Principal, Depends(require_scopes("subsidy:read"))]
Writer = Annotated[Principal, Depends(require_scopes("subsidy:write"))]
RESOURCE = "subsidy_policy"


@types_router.get("", responses=problem_responses(403))
async def list_subsidy_types(_: Reader) -> list[SubsidyTypeRead]:
    """The subsidy types (one table): who benefits, whether money is paid, and what counts, in words."""
    return [
        SubsidyTypeRead(
            code=t.code,
            label_zh=t.label_zh,
            beneficiary=t.beneficiary,
            pays_money=t.pays_money,
            description=t.description,
        )
        for t in SUBSIDY_TYPES.values()
    ]


@router.get("", responses=problem_responses(400, 403, 422))
async def list_subsidy_policies(
    session: SessionDep,
    principal: Reader,
    params: PageParamsDep,
    year: Annotated[int | None, Query(ge=2012, le=2100, description="Only this year's versions.")] = None,
    status: Annotated[PolicyStatus | None, Query(description="Only drafts, published or superseded ones.")] = None,
) -> Page[PolicyRead]:
    """List policy versions, newest year and version first, each with what differs from the version before it."""
    return await audited_page(
        audited(session, principal, "subsidy_policy.list", resource_type=RESOURCE),
        service.list_policies(session, principal=principal, params=params, year=year, status=status),
        params,
        resources=lambda items: [p.id for p in items],
    )


@router.post(
    "",
    **creates(403, 409, 422, etag=True),
    response_description="The draft written (or, on a retry with the same Idempotency-Key, the first result).",
)
async def create_subsidy_policy(
    session: SessionDep,
    principal: Writer,
    data: PolicyCreate,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> PolicyRead:
    """Write a new version of a year's policy as a draft; the server numbers it (finance, NCO or admin only)."""
    async with audited(session, principal, "subsidy_policy.create", resource_type=RESOURCE) as trail:
        created = await service.create_policy(session, principal=principal, data=data, idempotency_key=idempotency_key)
        trail.resource_ids = [created.item.id]
    return send_created(
        response, created, location=f"{router.prefix}/{created.item.id}", version=created.item.row_version
    )


@router.get("/{policy_id}", **versioned(403, 404, 422))
async def get_subsidy_policy(
    session: SessionDep, principal: Reader, policy_id: uuid.UUID, response: Response
) -> PolicyRead:
    """Get one policy version with its rules and what differs from the version before it."""
    async with audited(session, principal, "subsidy_policy.read", resource_type=RESOURCE, resource_ids=[policy_id]):
        found = await service.get_policy(session, principal=principal, policy_id=policy_id)
    set_etag(response, found.row_version)
    return found


@router.patch("/{policy_id}", **versioned(403, 404, 409, 412, 422, 428))
async def update_subsidy_policy(
    session: SessionDep,
    principal: Writer,
    policy_id: uuid.UUID,
    data: PolicyUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> PolicyRead:
    """Change a draft (needs If-Match); a published or superseded version is frozen (409)."""
    async with audited(
        session, principal, "subsidy_policy.update", resource_type=RESOURCE, resource_ids=[policy_id]
    ) as trail:
        updated, trail.changes = await service.update_policy(
            session, principal=principal, policy_id=policy_id, data=data, if_match=if_match
        )
    set_etag(response, updated.row_version)
    return updated


@router.post("/{policy_id}/publish", **versioned(403, 404, 409, 422))
async def publish_subsidy_policy(
    session: SessionDep, principal: Writer, policy_id: uuid.UUID, response: Response
) -> PolicyRead:
    """Publish a draft, which freezes it; the year's published version, if any, is superseded by it."""
    async with audited(session, principal, "subsidy_policy.publish", resource_type=RESOURCE, resource_ids=[policy_id]):
        published = await service.publish_policy(session, principal=principal, policy_id=policy_id)
    set_etag(response, published.row_version)
    return published


@router.get("/{policy_id}/differences", responses=problem_responses(403, 404, 422))
async def subsidy_policy_differences(
    session: SessionDep,
    principal: Reader,
    policy_id: uuid.UUID,
    against: Annotated[
        uuid.UUID | None,
        Query(description="The version to compare with; by default the year's previous version."),
    ] = None,
) -> PolicyDifferences:
    """What differs between this version and another (by default the year's previous one), field by field."""
    async with audited(
        session,
        principal,
        "subsidy_policy.differences",
        resource_type=RESOURCE,
        resource_ids=[policy_id, *([against] if against else [])],
    ):
        return await service.policy_differences(session, principal=principal, policy_id=policy_id, against=against)


@router.get("/{policy_id}/tier-for", responses=problem_responses(403, 404, 422))
async def tier_for_headcount(
    session: SessionDep,
    principal: Reader,
    policy_id: uuid.UUID,
    headcount: Annotated[
        int,
        Query(
            ge=1,
            le=1_000_000,
            description="People in community detox or rehabilitation the enterprise employs on qualifying contracts.",
            examples=[50],
        ),
    ],
) -> TierForHeadcount:
    """Which tier of the policy's enterprise placement rule, and which amount, applies to `headcount` people."""
    async with audited(session, principal, "subsidy_policy.tier_for", resource_type=RESOURCE, resource_ids=[policy_id]):
        return await service.tier_for(session, principal=principal, policy_id=policy_id, headcount=headcount)
