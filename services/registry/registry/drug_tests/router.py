from fastapi import APIRouter

from registry.drug_tests import service
from registry.drug_tests.schemas import DrugTestCreate, DrugTestRead
from registry.persons.routes import PersonRecords
from shared.pagination import Page, PageParamsDep
from shared.routes import new_values

router = APIRouter(prefix="/api/v1/persons/{person_id}/drug-tests", tags=["drug-tests"])
tests = PersonRecords(router, "", "drug_test", located=True, dated=True)


@tests.listing(service.list_tests)
def list_drug_tests(params: PageParamsDep) -> Page[DrugTestRead]:
    """A person's drug tests by test date."""


@tests.create(service.record_test, changes=lambda item, body: new_values(drug_test=str(item.id), result=body.result))
def record_drug_test(body: DrugTestCreate) -> DrugTestRead:
    """Record a drug test; a positive result records a relapse on the test date."""
