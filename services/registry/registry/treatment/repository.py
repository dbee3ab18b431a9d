import uuid
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute

from registry.treatment.models import CounsellingSession, DetoxAgreement, MethadoneEnrolment
from shared.pagination import PageParams, newest_first
from shared.query import Repository

Row = TypeVar("Row", DetoxAgreement, MethadoneEnrolment, CounsellingSession)

# Each list is newest first by this date.
DATED_BY: dict[type, InstrumentedAttribute[Any]] = {
    DetoxAgreement: DetoxAgreement.signed_on,
    MethadoneEnrolment: MethadoneEnrolment.enrolled_on,
    CounsellingSession: CounsellingSession.held_on,
}


class TreatmentRepository(Repository):
    refresh_added = True

    async def page(self, model: type[Row], person_id: uuid.UUID, params: PageParams) -> tuple[list[Row], str | None]:
        stmt = select(model).where(model.person_id == person_id)
        return await newest_first(self.session, stmt, params, DATED_BY[model], model.id)

    async def methadone(self, person_id: uuid.UUID, enrolment_id: uuid.UUID) -> MethadoneEnrolment | None:
        return await self.session.scalar(
            select(MethadoneEnrolment)
            .where(MethadoneEnrolment.id == enrolment_id, MethadoneEnrolment.person_id == person_id)
            .with_for_update()
        )

    async def open_methadone(self, person_id: uuid.UUID) -> MethadoneEnrolment | None:
        return await self.session.scalar(
            select(MethadoneEnrolment).where(
                MethadoneEnrolment.person_id == person_id, MethadoneEnrolment.ended_on.is_(None)
            )
        )
