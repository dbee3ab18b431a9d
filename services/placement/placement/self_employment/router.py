import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from placement.employers.schemas import JurisdictionCode
from placement.self_employment import service
from placement.self_employment.repository import SelfEmploymentFilter
from placement.self_employment.schemas import (
    BusinessKind,
    LoanCreate,
    LoanInYear,
    LoanRead,
    SelfEmploymentCreate,
    SelfEmploymentRead,
    SelfEmploymentUpdate,
    Status,
)
from shared.auth import Principal, require_scopes
from shared.concurrency import IfMatch, send_versioned
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.idempotency import IdempotencyKeyHeader, send_created
from shared.pagination import Page, PageParamsDep
from shared.routes import creates, send_created_at, versioned

router = APIRouter(prefix="/api/v1/self-employments", tags=["self-employments"])
Reader = Annotated[Principal, Depends(require_scopes("placement:read"))]
Writer = Annotated[Principal, Depends(require_scopes("placement:write"))]


@router.post("", **creates(403, 404, 409, 422, etag=True))
async def create_self_employment(
    session: SessionDep,
    principal: Writer,
    body: SelfEmploymentCreate,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> SelfEmploymentRead:
    """Record a person's own business (自主创业); township staff only for their own jurisdiction's people.

    The person's jurisdiction is recorded from the registry; a pending hand-over entry of the person closes as
    `self_employed`."""
    created = await service.create(
        session, principal=principal, data=body, idempotency_key=idempotency_key, today=date.today()
    )
    return send_created_at(response, created, router.prefix, versioned=True)


@router.get("", responses=problem_responses(400, 403, 422))
async def list_self_employments(
    session: SessionDep,
    principal: Reader,
    params: PageParamsDep,
    person_id: Annotated[uuid.UUID | None, Query(description="Only this person's businesses.")] = None,
    jurisdiction_code: Annotated[JurisdictionCode | None, Query(description="Only this jurisdiction.")] = None,
    business_kind: Annotated[BusinessKind | None, Query(description="Only this kind of business.")] = None,
    status: Annotated[Status | None, Query(description="active or ended.")] = None,
) -> Page[SelfEmploymentRead]:
    """List self-employment records by start date; township staff see only their own jurisdiction's."""
    filters = SelfEmploymentFilter(
        person_id=person_id, jurisdiction_code=jurisdiction_code, business_kind=business_kind, status=status
    )
    return Page.of(await service.list_records(session, principal=principal, filters=filters, params=params), params)


@router.get("/loans", responses=problem_responses(400, 403, 422))
async def loans_in_year(
    session: SessionDep,
    principal: Reader,
    params: PageParamsDep,
    year: Annotated[int, Query(ge=2012, le=2100, description="Calendar year.", examples=[2026])],
    jurisdiction_code: Annotated[JurisdictionCode | None, Query(description="Only this jurisdiction.")] = None,
) -> Page[LoanInYear]:
    """Small guaranteed loans bearing interest in a year, with their interest-bearing days (for the interest subsidy).

    A loan counts from its disbursement day (included) to its maturity day (excluded); only loans with at least one
    such day in the year are listed, by loan id."""
    return Page.of(
        await service.loans_in_year(
            session, principal=principal, year=year, jurisdiction_code=jurisdiction_code, params=params
        ),
        params,
    )


@router.get("/{self_employment_id}", **versioned(403, 404, 422))
async def get_self_employment(
    session: SessionDep, principal: Reader, self_employment_id: uuid.UUID, response: Response
) -> SelfEmploymentRead:
    """Get one self-employment record, with its version as ETag."""
    return send_versioned(response, await service.get(session, principal=principal, record_id=self_employment_id))


@router.patch("/{self_employment_id}", **versioned(403, 404, 409, 412, 422, 428))
async def update_self_employment(
    session: SessionDep,
    principal: Writer,
    self_employment_id: uuid.UUID,
    body: SelfEmploymentUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> SelfEmploymentRead:
    """Change the business name or licence number, or record the business ending; needs If-Match."""
    return send_versioned(
        response,
        await service.update(
            session,
            principal=principal,
            record_id=self_employment_id,
            data=body,
            if_match=if_match,
            today=date.today(),
        ),
    )


@router.post("/{self_employment_id}/loans", **creates(403, 404, 409, 422))
async def add_loan(
    session: SessionDep,
    principal: Writer,
    self_employment_id: uuid.UUID,
    body: LoanCreate,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> LoanRead:
    """Record a small guaranteed loan (小额担保贷款) taken for this business."""
    created = await service.add_loan(
        session,
        principal=principal,
        record_id=self_employment_id,
        data=body,
        idempotency_key=idempotency_key,
        today=date.today(),
    )
    return send_created(response, created, location=f"{router.prefix}/{self_employment_id}/loans")


@router.get("/{self_employment_id}/loans", responses=problem_responses(403, 404, 422))
async def list_loans(session: SessionDep, principal: Reader, self_employment_id: uuid.UUID) -> list[LoanRead]:
    """List the small guaranteed loans of one self-employment, by disbursement date."""
    return await service.list_loans(session, principal=principal, record_id=self_employment_id)
