import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from shared.auth import Principal, require_scopes
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.idempotency import IdempotencyKeyHeader, answer_created
from shared.pagination import Page, PageParamsDep
from subsidy.policies import service
from subsidy.policies.schemas import PolicyCreate, PolicyRead, PolicyStatus, TierForHeadcount

router = APIRouter(prefix="/api/v1/subsidy-policies", tags=["subsidy-policies"])
ReadAccess = Depends(require_scopes("subsidy:read"))
Writer = Annotated[Principal, Depends(require_scopes("subsidy:write"))]


@router.get("", dependencies=[ReadAccess], responses=problem_responses(400, 422))
async def list_subsidy_policies(
    session: SessionDep,
    params: PageParamsDep,
    year: Annotated[int | None, Query(ge=2012, le=2100, description="Only this year's policies.")] = None,
    status: Annotated[PolicyStatus | None, Query(description="Only drafts, or only published ones.")] = None,
) -> Page[PolicyRead]:
    """List subsidy policies, newest year and version first."""
    items, next_cursor = await service.list_policies(session, params=params, year=year, status=status)
    return Page(items=items, next_cursor=next_cursor, limit=params.limit)


@router.post(
    "",
    status_code=201,
    responses=problem_responses(403, 422),
    response_description="The draft written (or, on a retry with the same Idempotency-Key, the first result).",
)
async def create_subsidy_policy(
    session: SessionDep,
    principal: Writer,
    data: PolicyCreate,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> PolicyRead:
    """Write a draft policy for a year; the server numbers its version (finance, NCO or admin only)."""
    created = await service.create_policy(session, principal=principal, data=data, idempotency_key=idempotency_key)
    answer_created(
        response, status=created.status, replayed=created.replayed, location=f"{router.prefix}/{created.policy.id}"
    )
    return created.policy


@router.get("/{policy_id}", dependencies=[ReadAccess], responses=problem_responses(404, 422))
async def get_subsidy_policy(session: SessionDep, policy_id: uuid.UUID) -> PolicyRead:
    """Get one subsidy policy with its tiers."""
    return await service.get_policy(session, policy_id=policy_id)


@router.post("/{policy_id}/publish", responses=problem_responses(403, 404, 409, 422))
async def publish_subsidy_policy(session: SessionDep, principal: Writer, policy_id: uuid.UUID) -> PolicyRead:
    """Publish a draft, after which it never changes; a year has at most one published policy."""
    return await service.publish_policy(session, principal=principal, policy_id=policy_id)


@router.get("/{policy_id}/tier-for", dependencies=[ReadAccess], responses=problem_responses(404, 422))
async def tier_for_headcount(
    session: SessionDep,
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
    """Which tier of the policy, and which amount, applies to an enterprise employing `headcount` people."""
    return await service.tier_for(session, policy_id=policy_id, headcount=headcount)
