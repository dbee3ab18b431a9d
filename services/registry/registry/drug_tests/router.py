import uuid
from datetime import date

from fastapi import APIRouter, Response

from registry.drug_tests import service
from registry.drug_tests.schemas import DrugTestCreate, DrugTestRead
from registry.persons.auditing import audited
from shared.auth import CurrentPrincipal
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.idempotency import IdempotencyKeyHeader
from shared.pagination import Page, PageParamsDep
from shared.routes import audited_create, audited_page, creates, new_values

router = APIRouter(prefix="/api/v1/persons/{person_id}/drug-tests", tags=["drug-tests"])


@router.get("", responses=problem_responses(400, 403, 404))
async def list_drug_tests(
    session: SessionDep, principal: CurrentPrincipal, person_id: uuid.UUID, params: PageParamsDep
) -> Page[DrugTestRead]:
    """A person's drug tests by test date."""
    return await audited_page(
        audited(session, principal, "drug_test.read", person_ids=[person_id]),
        service.list_tests(session, principal=principal, person_id=person_id, params=params),
        params,
    )


@router.post("", **creates(403, 404, 409, 422))
async def record_drug_test(
    session: SessionDep,
    principal: CurrentPrincipal,
    person_id: uuid.UUID,
    body: DrugTestCreate,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> DrugTestRead:
    """Record a drug test; a positive result records a relapse on the test date."""
    return await audited_create(
        audited(session, principal, "drug_test.create", person_ids=[person_id]),
        service.record_test(
            session,
            principal=principal,
            person_id=person_id,
            data=body,
            idempotency_key=idempotency_key,
            today=date.today(),
        ),
        response,
        changes=lambda item: new_values(drug_test=str(item.id), result=body.result),
        collection=f"/api/v1/persons/{person_id}/drug-tests",
    )
