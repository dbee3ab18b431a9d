"""Every row about one person, from every table that holds them (no paging: a whole record is asked for rarely and
one person's history is short; the audit trail is the longest part)."""

import uuid
from typing import Any

from sqlalchemy import select

from registry.audit.models import AuditEvent
from registry.drug_tests.models import DrugTest, Relapse
from registry.history.models import RegisterChange, Stay, WorkAbilityChange
from registry.measures.models import ControlMeasure
from registry.support.models import SupportMember, SupportVisit
from registry.transfers.models import PersonTransfer
from registry.treatment.models import CounsellingSession, DetoxAgreement, MethadoneEnrolment
from registry.welfare.models import ReliefEvent, WelfareRecord
from shared.query import Repository

# model -> the columns its rows are listed by, oldest first
ORDER: dict[type, tuple[Any, ...]] = {
    ControlMeasure: (ControlMeasure.start_on, ControlMeasure.created_at, ControlMeasure.id),
    DrugTest: (DrugTest.tested_on, DrugTest.id),
    Relapse: (Relapse.occurred_on, Relapse.id),
    SupportMember: (SupportMember.from_on, SupportMember.id),
    SupportVisit: (SupportVisit.visited_on, SupportVisit.id),
    DetoxAgreement: (DetoxAgreement.signed_on, DetoxAgreement.id),
    MethadoneEnrolment: (MethadoneEnrolment.enrolled_on, MethadoneEnrolment.id),
    CounsellingSession: (CounsellingSession.held_on, CounsellingSession.id),
    ReliefEvent: (ReliefEvent.granted_on, ReliefEvent.id),
    PersonTransfer: (PersonTransfer.created_at, PersonTransfer.id),
    RegisterChange: (RegisterChange.effective_on, RegisterChange.created_at, RegisterChange.id),
    WorkAbilityChange: (WorkAbilityChange.effective_on, WorkAbilityChange.created_at, WorkAbilityChange.id),
    Stay: (Stay.start_on, Stay.created_at, Stay.id),
}


class RecordRepository(Repository):
    async def all_of(self, model: type, person_id: uuid.UUID) -> list[Any]:
        stmt = select(model).where(model.person_id == person_id).order_by(*ORDER[model])
        return list((await self.session.scalars(stmt)).all())

    async def welfare(self, person_id: uuid.UUID) -> WelfareRecord | None:
        return await self.session.scalar(select(WelfareRecord).where(WelfareRecord.person_id == person_id))

    async def audit_trail(self, person_id: uuid.UUID) -> list[AuditEvent]:
        stmt = select(AuditEvent).where(AuditEvent.resource_ids.contains([person_id])).order_by(AuditEvent.id)
        return list((await self.session.scalars(stmt)).all())
