import uuid
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from registry.treatment.models import CounsellingSession, DetoxAgreement, MethadoneEnrolment
from shared.pagination import PageParams, keyset_page

Row = TypeVar("Row", DetoxAgreement, MethadoneEnrolment, CounsellingSession)

# Each list is newest first by this date.
DATED_BY: dict[type, InstrumentedAttribute[Any]] = {
    DetoxAgreement: DetoxAgreement.signed_on,
    MethadoneEnrolment: MethadoneEnrolment.enrolled_on,
    CounsellingSession: CounsellingSession.held_on,
}


class TreatmentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, row: Row) -> Row:
        self.session.add(row)
        await self.session.flush()
        await self.session.refresh(row)
        return row

    async def page(self, model: type[Row], person_id: uuid.UUID, params: PageParams) -> tuple[list[Row], str | None]:
        return await keyset_page(
            self.session,
            select(model).where(model.person_id == person_id),
            params,
            keys=[DATED_BY[model], model.id],
            descending=True,
            convert=[date.fromisoformat, uuid.UUID],
        )

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
