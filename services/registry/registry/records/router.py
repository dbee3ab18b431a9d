import uuid

from fastapi import APIRouter

from registry.persons.auditing import audited
from registry.persons.dependencies import CipherDep
from registry.records import service
from registry.records.schemas import PersonRecord
from shared.auth import CurrentPrincipal
from shared.db import SessionDep
from shared.errors import problem_responses

router = APIRouter(prefix="/api/v1/persons", tags=["person-records"])


@router.get("/{person_id}/record", responses=problem_responses(403, 404))
async def get_whole_record(
    session: SessionDep, principal: CurrentPrincipal, person_id: uuid.UUID, cipher: CipherDep
) -> PersonRecord:
    """Everything held about one person, for a lawful request (county narcotics control office only).

    The person (with the full ID number, recorded as an unmask), every control measure with its corrections, drug
    tests and relapses, the support team and its visits, treatment, welfare and relief, transfers between
    jurisdictions, and the audit trail of who read or changed the record. The request itself is audited as
    person.record.read."""
    async with audited(session, principal, "person.record.read", person_ids=[person_id]):
        return await service.whole_record(session, principal=principal, person_id=person_id, cipher=cipher)
