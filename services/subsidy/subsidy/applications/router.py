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
from subsidy.applications import service
from subsidy.applications.repository import ApplicationFilter
from subsidy.applications.schemas import ApplicationCreate, ApplicationRead, ApplicationSummary, StepCreate
from subsidy.applications.workflow import Status
from subsidy.auditing import audited
from subsidy.filters import BeneficiaryQuery, JurisdictionQuery, TypeQuery, YearQuery

router = APIRouter(prefix="/api/v1/subsidy-applications", tags=["subsidy-applications"])
Reader = Annotated[Principal, Depends(require_scopes("subsidy:read"))]
Writer = Annotated[Principal, Depends(require_scopes("subsidy:write"))]
RESOURCE = "subsidy_application"


def application_filter(
    year: YearQuery = None,
    subsidy_type: TypeQuery = None,
    status: Annotated[Status | None, Query(description="Only applications in this status.")] = None,
    beneficiary_id: BeneficiaryQuery = None,
    jurisdiction_code: JurisdictionQuery = None,
) -> ApplicationFilter:
    return ApplicationFilter(
        year=year,
        subsidy_type=subsidy_type,
        status=status,
        beneficiary_id=beneficiary_id,
        jurisdiction_code=jurisdiction_code,
    )


ApplicationFilterDep = Annotated[ApplicationFilter, Depends(application_filter)]


@router.post("", **creates(403, 404, 409, 422, etag=True))
async def apply_for_subsidy(
    session: SessionDep,
    principal: Writer,
    data: ApplicationCreate,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> ApplicationRead:
    """Apply for what a current decision grants (township staff for their jurisdiction, an employer for itself).

    The amount is the decision's. One application in progress, and one approved or paid, per beneficiary, type and
    year (409 `already_applied`); a superseded decision version or one granting nothing is 409 too."""
    async with audited(session, principal, "subsidy_application.create", resource_type=RESOURCE) as trail:
        answer = await service.apply(session, principal=principal, data=data, idempotency_key=idempotency_key)
        trail.resource_ids = [answer.item.id, answer.item.beneficiary_id]
    return send_created(response, answer, location=f"{router.prefix}/{answer.item.id}", version=answer.item.row_version)


@router.get("", responses=problem_responses(400, 403, 422))
async def list_subsidy_applications(
    session: SessionDep, principal: Reader, params: PageParamsDep, filters: ApplicationFilterDep
) -> Page[ApplicationSummary]:
    """List the applications you may see, newest first (township staff: their jurisdiction's; an employer: its own)."""
    return await audited_page(
        audited(session, principal, "subsidy_application.list", resource_type=RESOURCE),
        service.list_applications(session, principal=principal, filters=filters, params=params),
        params,
        resources=lambda items: [i for a in items for i in (a.id, a.beneficiary_id)],
    )


@router.get("/{application_id}", **versioned(403, 404, 422))
async def get_subsidy_application(
    session: SessionDep, principal: Reader, application_id: uuid.UUID, response: Response
) -> ApplicationRead:
    """One application with its history, payment, and the steps that may follow now."""
    async with audited(
        session, principal, "subsidy_application.read", resource_type=RESOURCE, resource_ids=[application_id]
    ) as trail:
        found = await service.get_application(session, principal=principal, application_id=application_id)
        trail.resource_ids = [found.id, found.beneficiary_id]
    set_etag(response, found.row_version)
    return found


@router.post("/{application_id}/steps", **versioned(403, 404, 409, 412, 422))
async def take_subsidy_application_step(
    session: SessionDep,
    principal: Writer,
    application_id: uuid.UUID,
    data: StepCreate,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
    if_match: IfMatch = None,
) -> ApplicationRead:
    """Take the next step: review, approve, record the payment, return, reject, resubmit or withdraw.

    The steps follow one declared table (a step out of order is 409 naming the allowed next ones); whoever submitted
    or reviewed an application cannot approve it and nobody acts in two roles on one (403 `separation_of_duties`);
    finance's approval must fit the year's budget for the type (409 `budget_exceeded` / `no_budget`); a payment is
    recorded once, for exactly the approved amount. A retry with the same Idempotency-Key gets the first answer;
    If-Match (optional) refuses a step on a changed application (412)."""
    async with audited(
        session, principal, f"subsidy_application.{data.action}", resource_type=RESOURCE, resource_ids=[application_id]
    ) as trail:
        answer = await service.take_step(
            session,
            principal=principal,
            application_id=application_id,
            data=data,
            idempotency_key=idempotency_key,
            if_match=if_match,
        )
        trail.resource_ids = [answer.item.id, answer.item.beneficiary_id]
        trail.changes = {"status": (None, answer.item.status)}
    return send_created(response, answer, version=answer.item.row_version)
