import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from reporting.indicators import service
from reporting.indicators.schemas import IndicatorDetail, IndicatorRead, TargetOverride, TargetRead
from shared.auth import CurrentPrincipal, require_scopes
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.idempotency import IdempotencyKeyHeader, send_created
from shared.pagination import Page, PageParamsDep
from shared.routes import creates

ReadAccess = Depends(require_scopes("reporting:read"))
router = APIRouter(prefix="/api/v1", dependencies=[ReadAccess])
IndicatorCode = Annotated[str, Path(max_length=40, pattern=r"^[a-z_]+$", examples=["placement_rate"])]


@router.get("/indicators", tags=["indicators"])
async def list_indicators(session: SessionDep) -> list[IndicatorRead]:
    """List the notice's indicators, each with its current definition, in the notice's order."""
    return await service.list_indicators(session)


@router.get("/indicators/{code}", tags=["indicators"], responses=problem_responses(404, 422))
async def get_indicator(session: SessionDep, code: IndicatorCode) -> IndicatorDetail:
    """Get one indicator with every version of its definition."""
    return await service.get_indicator(session, code=code)


@router.get("/targets", tags=["targets"], responses=problem_responses(400, 422))
async def list_targets(
    session: SessionDep,
    params: PageParamsDep,
    indicator: Annotated[
        str | None, Query(max_length=40, pattern=r"^[a-z_]+$", description="Only this indicator's targets.")
    ] = None,
    year: Annotated[int | None, Query(ge=2000, le=2100, description="Only targets due in this year.")] = None,
) -> Page[TargetRead]:
    """List the notice's targets, by indicator code then date."""
    return Page.of(await service.list_targets(session, params=params, indicator_code=indicator, year=year), params)


@router.post(
    "/targets",
    tags=["targets"],
    **creates(403, 409, 422),
)
async def override_target(
    session: SessionDep,
    principal: CurrentPrincipal,
    data: TargetOverride,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> TargetRead:
    """Set a county override of a target, for the county or one jurisdiction and a year (NCO only)."""
    created = await service.override_target(session, principal=principal, data=data, idempotency_key=idempotency_key)
    return send_created(response, created, location=f"/api/v1/targets?year={created.item.period_end.year}")


@router.delete("/targets/{target_id}", tags=["targets"], status_code=204, responses=problem_responses(403, 404, 409))
async def withdraw_target(session: SessionDep, principal: CurrentPrincipal, target_id: uuid.UUID) -> Response:
    """Withdraw a county override; the notice's default applies again (NCO only)."""
    await service.withdraw_target(session, principal=principal, target_id=target_id)
    return Response(status_code=204)
