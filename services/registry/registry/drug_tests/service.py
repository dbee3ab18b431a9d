"""Drug tests: recorded, never changed; a positive result records a relapse event."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from registry.drug_tests.models import DrugTest, Relapse
from registry.drug_tests.repository import DrugTestRepository
from registry.drug_tests.schemas import LABELS_ZH, DrugTestCreate, DrugTestRead
from registry.events import emit_person_event
from registry.idempotency import create_for_person
from registry.measures import policy
from registry.measures.exceptions import InvalidMeasure
from registry.persons.service import visible_person
from shared.auth import Principal
from shared.errors import FieldError
from shared.idempotency import Created
from shared.pagination import PageParams
from shared.reads import read_of


def to_read(test: DrugTest, relapse_recorded: bool) -> DrugTestRead:
    return read_of(
        DrugTestRead,
        test,
        kind_label_zh=LABELS_ZH["kind"][test.kind],
        result_label_zh=LABELS_ZH["result"][test.result],
        relapse_recorded=relapse_recorded,
    )


async def list_tests(
    session: AsyncSession, *, principal: Principal, person_id: uuid.UUID, params: PageParams
) -> tuple[list[DrugTestRead], str | None]:
    policy.require_read(principal, "drug_tests")
    await visible_person(session, principal, person_id)
    repo = DrugTestRepository(session)
    rows, cursor = await repo.page(person_id, params)
    relapsed = await repo.with_relapse([t.id for t in rows])
    return [to_read(t, t.id in relapsed) for t in rows], cursor


async def record_test(
    session: AsyncSession,
    *,
    principal: Principal,
    person_id: uuid.UUID,
    data: DrugTestCreate,
    idempotency_key: str | None,
    today: date,
) -> Created[DrugTestRead]:
    policy.require_write(principal, "drug_tests")
    person = await visible_person(session, principal, person_id, for_write=True, dated_on=data.tested_on)
    if data.tested_on > today:
        message = "tested_on cannot be in the future"
        raise InvalidMeasure(message, errors=[FieldError(field="body.tested_on", message=message)])

    async def write() -> DrugTestRead:
        repo = DrugTestRepository(session)
        test = await repo.add(DrugTest(person_id=person_id, created_by=principal.subject, **data.model_dump()))
        positive = test.result == "positive"
        if positive:
            relapse = await repo.add_relapse(
                Relapse(person_id=person_id, occurred_on=test.tested_on, source="drug_test", drug_test_id=test.id)
            )
            # Reporting needs relapses and positive tests (the consolidation clock), not test kinds or substances.
            await emit_person_event(
                session,
                kind="relapse.recorded",
                person_id=person_id,
                jurisdiction_code=person.jurisdiction_code,
                data={
                    "relapse_id": relapse.id,
                    "occurred_on": test.tested_on,
                    "source": "drug_test",
                    "drug_test_id": test.id,
                    "positive_test_on": test.tested_on,
                },
            )
        return to_read(test, positive)

    return await create_for_person(
        session, principal, person_id, "drug-tests", idempotency_key, data, DrugTestRead, write
    )
