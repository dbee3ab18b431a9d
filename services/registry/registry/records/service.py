"""One person's whole record, for a lawful request: the person, every sub-record, and the audit trail about them."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession

from registry.audit.models import audit
from registry.drug_tests.models import DrugTest, Relapse
from registry.drug_tests.service import to_read as drug_test_read
from registry.history.models import RegisterChange, Stay, WorkAbilityChange
from registry.history.service import ability_read, change_read, stay_read
from registry.measures.models import ControlMeasure
from registry.measures.service import to_read as measure_read
from registry.persons import policy as persons_policy
from registry.persons.auditing import RESOURCE_TYPE
from registry.persons.crypto import IdNumberCipher
from registry.persons.service import get_person, to_read
from registry.records import policy
from registry.records.repository import RecordRepository
from registry.records.schemas import PersonRecord, RecordPerson, RelapseRead
from registry.support.models import SupportMember, SupportVisit
from registry.support.service import member_to_read, visit_to_read
from registry.transfers.models import PersonTransfer
from registry.treatment.models import CounsellingSession, DetoxAgreement, MethadoneEnrolment
from registry.treatment.service import agreement_to_read, counselling_to_read, methadone_to_read
from registry.welfare.models import ReliefEvent
from registry.welfare.service import relief_to_read
from registry.welfare.service import to_read as welfare_read
from shared.audit_api import OUTCOME_LABELS_ZH, AuditEventRead
from shared.auth import Principal

UNMASK_OPERATION = "person.id_number.unmask"


def _columns(row: Any) -> dict[str, Any]:
    return {attr.key: getattr(row, attr.key) for attr in inspect(row).mapper.column_attrs}


def _audit_read(event: Any) -> AuditEventRead:
    fields = {name: getattr(event, name) for name in AuditEventRead.model_fields if name != "outcome_label_zh"}
    return AuditEventRead.model_validate(fields | {"outcome_label_zh": OUTCOME_LABELS_ZH[event.outcome]})


def _abilities(changes: list[WorkAbilityChange]) -> list[Any]:
    latest: dict[date, datetime] = {}
    for c in changes:
        latest[c.effective_on] = max(latest.get(c.effective_on, c.created_at), c.created_at)
    return [ability_read(c, latest[c.effective_on] > c.created_at) for c in changes]


async def whole_record(
    session: AsyncSession, *, principal: Principal, person_id: uuid.UUID, cipher: IdNumberCipher
) -> PersonRecord:
    policy.require_whole_record(principal)
    person = await get_person(session, principal=principal, person_id=person_id)
    repo = RecordRepository(session)
    unmask = persons_policy.can_unmask(principal)
    measures = await repo.all_of(ControlMeasure, person_id)
    corrected_by = {m.corrects_id: m.id for m in measures if m.corrects_id is not None}
    tests = await repo.all_of(DrugTest, person_id)
    relapses = await repo.all_of(Relapse, person_id)
    relapse_tests = {r.drug_test_id for r in relapses}
    today = date.today()
    record = PersonRecord(
        generated_at=datetime.now(UTC),
        person=RecordPerson(
            **to_read(person).model_dump(),
            id_number=cipher.decrypt(person.id_number_cipher) if unmask else person.id_number_masked,
            id_number_unmasked=unmask,
        ),
        control_measures=[measure_read(m, corrected_by.get(m.id)) for m in measures],
        drug_tests=[drug_test_read(t, t.id in relapse_tests) for t in tests],
        relapses=[RelapseRead.model_validate(r, from_attributes=True) for r in relapses],
        support_team=[member_to_read(m, today) for m in await repo.all_of(SupportMember, person_id)],
        support_visits=[visit_to_read(v) for v in await repo.all_of(SupportVisit, person_id)],
        detox_agreements=[agreement_to_read(a) for a in await repo.all_of(DetoxAgreement, person_id)],
        methadone=[methadone_to_read(m) for m in await repo.all_of(MethadoneEnrolment, person_id)],
        counselling=[counselling_to_read(c) for c in await repo.all_of(CounsellingSession, person_id)],
        welfare=welfare_read(person_id, await repo.welfare(person_id)),
        relief=[relief_to_read(r) for r in await repo.all_of(ReliefEvent, person_id)],
        register_changes=[change_read(c) for c in await repo.all_of(RegisterChange, person_id)],
        work_ability_changes=_abilities(await repo.all_of(WorkAbilityChange, person_id)),
        stays=[stay_read(s) for s in await repo.all_of(Stay, person_id)],
        transfers=[_columns(t) for t in await repo.all_of(PersonTransfer, person_id)],
        audit_trail=[_audit_read(e) for e in await repo.audit_trail(person_id)],
    )
    if unmask:
        # After the trail was read: the copy shows the record as it was before this request.
        await audit.record(
            session,
            principal=principal,
            operation=UNMASK_OPERATION,
            resource_type=RESOURCE_TYPE,
            resource_ids=[person_id],
        )
    return record
