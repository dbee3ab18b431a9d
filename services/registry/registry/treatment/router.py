import uuid

from fastapi import APIRouter, Response

from registry.persons.auditing import audited
from registry.treatment import service
from registry.treatment.schemas import (
    AgreementCreate,
    AgreementRead,
    CounsellingCreate,
    CounsellingRead,
    MethadoneCreate,
    MethadoneEnd,
    MethadoneRead,
)
from shared.auth import CurrentPrincipal
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.idempotency import IdempotencyKeyHeader
from shared.pagination import Page, PageParams, PageParamsDep
from shared.routes import audited_call, audited_create, audited_page, body_values, new_values

router = APIRouter(prefix="/api/v1/persons/{person_id}/treatment", tags=["treatment"])
READ = problem_responses(400, 403, 404)
CREATE = problem_responses(403, 404, 409, 422)


async def _list(session, principal, person_id: uuid.UUID, kind: str, params: PageParams) -> Page:
    return await audited_page(
        audited(session, principal, f"treatment.{kind}.list", person_ids=[person_id]),
        service.list_records(session, principal=principal, person_id=person_id, kind=kind, params=params),
        params,
    )


async def _create(session, principal, person_id: uuid.UUID, kind: str, body, response: Response, key: str | None):
    return await audited_create(
        audited(session, principal, f"treatment.{kind}.create", person_ids=[person_id]),
        service.create_record(
            session, principal=principal, person_id=person_id, kind=kind, data=body, idempotency_key=key
        ),
        response,
        changes=lambda _: body_values(body),
    )


@router.get("/agreements", responses=READ)
async def list_agreements(
    session: SessionDep, principal: CurrentPrincipal, person_id: uuid.UUID, params: PageParamsDep
) -> Page[AgreementRead]:
    """Voluntary detox agreements (自愿戒毒协议), newest first."""
    return await _list(session, principal, person_id, "agreements", params)


@router.post("/agreements", status_code=201, responses=CREATE)
async def create_agreement(
    session: SessionDep,
    principal: CurrentPrincipal,
    person_id: uuid.UUID,
    body: AgreementCreate,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> AgreementRead:
    """Record a voluntary detox agreement with an institution."""
    return await _create(session, principal, person_id, "agreements", body, response, idempotency_key)


@router.get("/methadone", responses=READ)
async def list_methadone(
    session: SessionDep, principal: CurrentPrincipal, person_id: uuid.UUID, params: PageParamsDep
) -> Page[MethadoneRead]:
    """Methadone maintenance enrolments (美沙酮维持治疗), newest first."""
    return await _list(session, principal, person_id, "methadone", params)


@router.post("/methadone", status_code=201, responses=CREATE)
async def enrol_methadone(
    session: SessionDep,
    principal: CurrentPrincipal,
    person_id: uuid.UUID,
    body: MethadoneCreate,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> MethadoneRead:
    """Enrol the person at a methadone clinic (409 while another enrolment is open)."""
    return await _create(session, principal, person_id, "methadone", body, response, idempotency_key)


@router.post("/methadone/{enrolment_id}/end", responses=problem_responses(403, 404, 409, 422))
async def end_methadone(
    session: SessionDep,
    principal: CurrentPrincipal,
    person_id: uuid.UUID,
    enrolment_id: uuid.UUID,
    body: MethadoneEnd,
) -> MethadoneRead:
    """End an open methadone enrolment with a date and reason (an enrolment ends once)."""
    enrolment = await audited_call(
        audited(session, principal, "treatment.methadone.end", person_ids=[person_id]),
        service.end_methadone(session, principal=principal, person_id=person_id, enrolment_id=enrolment_id, data=body),
        changes=lambda _: new_values(ended_on=body.ended_on, end_reason=body.end_reason),
    )
    return service.methadone_to_read(enrolment)


@router.get("/counselling", responses=READ)
async def list_counselling(
    session: SessionDep, principal: CurrentPrincipal, person_id: uuid.UUID, params: PageParamsDep
) -> Page[CounsellingRead]:
    """Counselling sessions, newest first."""
    return await _list(session, principal, person_id, "counselling", params)


@router.post("/counselling", status_code=201, responses=CREATE)
async def create_counselling(
    session: SessionDep,
    principal: CurrentPrincipal,
    person_id: uuid.UUID,
    body: CounsellingCreate,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> CounsellingRead:
    """Record a psychological, medical or group counselling session."""
    return await _create(session, principal, person_id, "counselling", body, response, idempotency_key)
