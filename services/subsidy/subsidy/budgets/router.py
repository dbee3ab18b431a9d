from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from shared.auth import Principal, require_scopes
from shared.concurrency import IfMatch, set_etag
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.openapi import response_headers
from shared.routes import versioned
from subsidy.auditing import audited
from subsidy.budgets import service
from subsidy.budgets.schemas import BudgetRead, BudgetSet
from subsidy.types import SubsidyTypeCode

router = APIRouter(prefix="/api/v1/subsidy-budgets", tags=["subsidy-budgets"])
Reader = Annotated[Principal, Depends(require_scopes("subsidy:read"))]
Writer = Annotated[Principal, Depends(require_scopes("subsidy:write"))]
Year = Annotated[int, Path(ge=2012, le=2100, description="The budget's year.", examples=[2013])]
TypePath = Annotated[SubsidyTypeCode, Path(description="The subsidy type.", examples=["enterprise_placement"])]
RESOURCE = "subsidy_budget"


@router.get("", responses=problem_responses(403, 422))
async def list_subsidy_budgets(
    session: SessionDep,
    principal: Reader,
    year: Annotated[int | None, Query(ge=2012, le=2100, description="Only this year's budgets.")] = None,
) -> list[BudgetRead]:
    """Budgets per year and type, with what approvals used and what is left."""
    async with audited(session, principal, "subsidy_budget.list", resource_type=RESOURCE):
        return await service.list_budgets(session, principal=principal, year=year)


@router.get("/{year}/{subsidy_type}", **versioned(403, 404, 422))
async def get_subsidy_budget(
    session: SessionDep, principal: Reader, year: Year, subsidy_type: TypePath, response: Response
) -> BudgetRead:
    """One year and type's budget, used and left, with its ETag."""
    async with audited(session, principal, "subsidy_budget.read", resource_type=RESOURCE):
        found = await service.get_budget(session, principal=principal, year=year, subsidy_type=subsidy_type)
    set_etag(response, found.row_version)
    return found


@router.put(
    "/{year}/{subsidy_type}",
    responses={201: {"model": BudgetRead, "description": "Budget set for the first time."}}
    | problem_responses(403, 409, 412, 422, 428),
    openapi_extra=response_headers((200, 201), "ETag"),
)
async def set_subsidy_budget(
    session: SessionDep,
    principal: Writer,
    year: Year,
    subsidy_type: TypePath,
    data: BudgetSet,
    response: Response,
    if_match: IfMatch = None,
) -> BudgetRead:
    """Set a year and type's budget (finance only): 201 the first time, then a change with If-Match.

    A budget lower than what approvals have already committed is refused (409); tax_reduction pays no money and has
    no budget (422)."""
    async with audited(session, principal, "subsidy_budget.set", resource_type=RESOURCE) as trail:
        saved = await service.set_budget(
            session, principal=principal, year=year, subsidy_type=subsidy_type, data=data, if_match=if_match
        )
        trail.changes = saved.changes
    response.status_code = 201 if saved.created else 200
    set_etag(response, saved.budget.row_version)
    return saved.budget
