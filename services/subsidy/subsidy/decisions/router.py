import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from shared.auth import Principal, require_scopes
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.pagination import Page, PageParamsDep
from shared.routes import audited_page
from subsidy.auditing import audited
from subsidy.decisions import service
from subsidy.decisions.repository import DecisionFilter
from subsidy.decisions.schemas import DecisionRead, DecisionSummary
from subsidy.filters import BeneficiaryQuery, JurisdictionQuery, TypeQuery, YearQuery

router = APIRouter(prefix="/api/v1/subsidy-decisions", tags=["subsidy-decisions"])
Reader = Annotated[Principal, Depends(require_scopes("subsidy:read"))]
RESOURCE = "subsidy_decision"


def decision_filter(
    year: YearQuery = None,
    subsidy_type: TypeQuery = None,
    beneficiary_id: BeneficiaryQuery = None,
    jurisdiction_code: JurisdictionQuery = None,
    tier: Annotated[str | None, Query(max_length=20, description="Only this tier, e.g. 50-99.")] = None,
    all_versions: Annotated[
        bool, Query(description="Older versions too (by default only the current version of each decision).")
    ] = False,
) -> DecisionFilter:
    return DecisionFilter(
        year=year,
        subsidy_type=subsidy_type,
        beneficiary_id=beneficiary_id,
        jurisdiction_code=jurisdiction_code,
        tier=tier,
        current_only=not all_versions,
    )


DecisionFilterDep = Annotated[DecisionFilter, Depends(decision_filter)]


@router.get("", responses=problem_responses(400, 403, 422))
async def list_subsidy_decisions(
    session: SessionDep, principal: Reader, params: PageParamsDep, filters: DecisionFilterDep
) -> Page[DecisionSummary]:
    """List decisions you may see, newest first (township staff: their jurisdiction's; an employer: its own)."""
    return await audited_page(
        audited(session, principal, "subsidy_decision.list", resource_type=RESOURCE),
        service.list_decisions(session, principal=principal, filters=filters, params=params),
        params,
        resources=lambda items: [i for d in items for i in (d.id, d.beneficiary_id)],
    )


@router.get("/{decision_id}", responses=problem_responses(403, 404, 422))
async def get_subsidy_decision(session: SessionDep, principal: Reader, decision_id: uuid.UUID) -> DecisionRead:
    """One decision with its frozen evidence: every counted and excluded contract, record or loan, and the rule."""
    async with audited(
        session, principal, "subsidy_decision.read", resource_type=RESOURCE, resource_ids=[decision_id]
    ) as trail:
        decision = await service.get_decision(session, principal=principal, decision_id=decision_id)
        counted = {line.get("person_id") for key in ("counted", "excluded") for line in decision.evidence.get(key, [])}
        trail.resource_ids = [decision.id, decision.beneficiary_id, *sorted(uuid.UUID(p) for p in counted if p)]
    return decision


@router.get("/{decision_id}/versions", responses=problem_responses(403, 404, 422))
async def list_subsidy_decision_versions(
    session: SessionDep, principal: Reader, decision_id: uuid.UUID
) -> list[DecisionSummary]:
    """Every version of this beneficiary's decision of the type and year, oldest first, each with what differed."""
    async with audited(
        session, principal, "subsidy_decision.versions", resource_type=RESOURCE, resource_ids=[decision_id]
    ) as trail:
        items = await service.versions(session, principal=principal, decision_id=decision_id)
        trail.resource_ids = [d.id for d in items]
    return items
