import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response

from reporting.assessments import service
from reporting.assessments.schemas import (
    AssessmentCreate,
    AssessmentRead,
    AssessmentSummary,
    OverrideSet,
    SchemeCreate,
    SchemeRead,
)
from reporting.reports.router import TABLE_RESPONSES, table
from shared.auth import CurrentPrincipal
from shared.concurrency import IfMatch, set_etag
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.idempotency import IdempotencyKeyHeader, send_created
from shared.openapi import response_headers
from shared.pagination import Page, PageParamsDep
from shared.routes import creates, versioned

schemes = APIRouter(prefix="/api/v1/assessment-schemes", tags=["assessments"])
router = APIRouter(prefix="/api/v1/assessments", tags=["assessments"])
AssessmentId = Annotated[uuid.UUID, Path(description="The assessment's id.")]


@schemes.post("", **creates(403, 422))
async def create_scheme(
    session: SessionDep,
    principal: CurrentPrincipal,
    data: SchemeCreate,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> SchemeRead:
    """Configure an assessment scheme for a year: weighted indicators, pass mark, one-vote veto thresholds (NCO)."""
    created = await service.create_scheme(session, principal=principal, data=data, idempotency_key=idempotency_key)
    return send_created(response, created, location=f"/api/v1/assessment-schemes?year={created.item.year}")


@schemes.get("", responses=problem_responses(403))
async def list_schemes(
    session: SessionDep,
    principal: CurrentPrincipal,
    year: Annotated[int | None, Query(ge=2012, le=2100, description="Only this year's schemes.")] = None,
) -> list[SchemeRead]:
    """List the assessment schemes, newest year first."""
    return await service.list_schemes(session, principal=principal, year=year)


@router.post("", **creates(403, 404, 409, 422, etag=True))
async def create_assessment(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    data: AssessmentCreate,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> AssessmentRead:
    """Assess every jurisdiction's year under a scheme from the year-end figures: a draft until published (NCO)."""
    created, row = await service.create(
        session, request.app.state.settings, principal=principal, data=data, idempotency_key=idempotency_key
    )
    return send_created(response, created, location=f"/api/v1/assessments/{created.item.id}", version=row.version)


@router.get("", responses=problem_responses(403))
async def list_assessments(
    session: SessionDep,
    principal: CurrentPrincipal,
    params: PageParamsDep,
    year: Annotated[int | None, Query(ge=2012, le=2100, description="Only this year's assessments.")] = None,
) -> Page[AssessmentSummary]:
    """List assessments, newest year first (township staff: published ones only)."""
    return Page.of(await service.list_assessments(session, principal=principal, params=params, year=year), params)


@router.get(
    "/{assessment_id}",
    responses=TABLE_RESPONSES | problem_responses(403, 404, 422),
    response_model=AssessmentRead,
    openapi_extra=response_headers(200, "ETag"),
)
async def get_assessment(
    session: SessionDep,
    principal: CurrentPrincipal,
    assessment_id: AssessmentId,
    response: Response,
    format: Annotated[
        Literal["json", "csv", "xlsx"], Query(description="json, or the results table as csv/xlsx.")
    ] = "json",
) -> Any:
    """Read an assessment: each jurisdiction's scores, total, rank, veto (computed and overridden) and result."""
    read, version = await service.get(session, principal=principal, assessment_id=assessment_id)
    if format == "json":
        set_etag(response, version)
        return read
    headings, rows = service.table_rows(read)
    return table(format, f"assessment-{read.year}", headings, rows)


@router.post("/{assessment_id}/recompute", **versioned(403, 404, 409, 412, 428))
async def recompute_assessment(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    assessment_id: AssessmentId,
    response: Response,
    if_match: IfMatch = None,
) -> AssessmentRead:
    """Take a draft's figures from the read model again (late data); a published assessment is 409."""
    read, version = await service.recompute(
        session, request.app.state.settings, principal=principal, assessment_id=assessment_id, if_match=if_match
    )
    set_etag(response, version)
    return read


@router.put("/{assessment_id}/veto-overrides/{jurisdiction_code}", **versioned(403, 404, 409, 412, 422, 428))
async def override_veto(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    assessment_id: AssessmentId,
    jurisdiction_code: Annotated[str, Path(max_length=40, pattern=r"^[a-z_]+$", examples=["dapu"])],
    data: OverrideSet,
    response: Response,
    if_match: IfMatch = None,
) -> AssessmentRead:
    """Impose or lift a jurisdiction's one-vote veto in a draft, with the reason (NCO)."""
    read, version = await service.set_override(
        session,
        request.app.state.settings,
        principal=principal,
        assessment_id=assessment_id,
        jurisdiction_code=jurisdiction_code,
        data=data,
        if_match=if_match,
    )
    set_etag(response, version)
    return read


@router.post("/{assessment_id}/publish", **versioned(403, 404, 409, 412, 428))
async def publish_assessment(
    session: SessionDep,
    principal: CurrentPrincipal,
    assessment_id: AssessmentId,
    response: Response,
    if_match: IfMatch = None,
) -> AssessmentRead:
    """Publish a draft: frozen from now on, whatever later data or recomputation would say (NCO)."""
    read, version = await service.publish(session, principal=principal, assessment_id=assessment_id, if_match=if_match)
    set_etag(response, version)
    return read
