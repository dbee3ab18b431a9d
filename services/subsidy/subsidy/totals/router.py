from typing import Annotated

from fastapi import APIRouter, Depends, Query

from shared.auth import Principal, require_scopes
from shared.db import SessionDep
from shared.errors import problem_responses
from subsidy.auditing import audited
from subsidy.totals import service
from subsidy.totals.schemas import SubsidyTotals

router = APIRouter(prefix="/api/v1/subsidy-totals", tags=["subsidy-totals"])
Reader = Annotated[Principal, Depends(require_scopes("subsidy:read"))]


@router.get("", responses=problem_responses(403, 422))
async def get_subsidy_totals(
    session: SessionDep,
    principal: Reader,
    year: Annotated[int, Query(ge=2012, le=2100, description="The year.", examples=[2013])],
) -> SubsidyTotals:
    """A year's totals by type, tier, jurisdiction and application status, and each budget used and left."""
    async with audited(session, principal, "subsidy_totals.read", resource_type="subsidy_totals") as trail:
        totals = await service.year_totals(session, principal=principal, year=year)
        trail.jurisdictions = [totals.jurisdiction_code] if totals.jurisdiction_code else []
    return totals
