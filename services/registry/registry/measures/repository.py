import uuid

from sqlalchemy import select

from registry.measures.models import ControlMeasure
from shared.pagination import PageParams, keyset_by
from shared.query import Repository


class MeasureRepository(Repository):
    refresh_added = True

    async def all_of(self, person_id: uuid.UUID) -> list[ControlMeasure]:
        """Every row of a person's history, superseded ones included."""
        stmt = select(ControlMeasure).where(ControlMeasure.person_id == person_id).order_by(ControlMeasure.start_on)
        return list((await self.session.scalars(stmt)).all())

    async def get(self, person_id: uuid.UUID, measure_id: uuid.UUID, *, for_update: bool = False):
        stmt = select(ControlMeasure).where(ControlMeasure.id == measure_id, ControlMeasure.person_id == person_id)
        return await self.one(stmt, for_update=for_update)

    async def correction_of(self, measure_id: uuid.UUID) -> ControlMeasure | None:
        return await self.session.scalar(select(ControlMeasure).where(ControlMeasure.corrects_id == measure_id))

    async def corrections_of(self, measure_ids: list[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
        """corrected id -> id of the correction superseding it."""
        if not measure_ids:
            return {}
        rows = await self.session.execute(
            select(ControlMeasure.corrects_id, ControlMeasure.id).where(ControlMeasure.corrects_id.in_(measure_ids))
        )
        return {corrected: correction for corrected, correction in rows.all()}

    async def page(self, person_id: uuid.UUID, params: PageParams) -> tuple[list[ControlMeasure], str | None]:
        stmt = select(ControlMeasure).where(ControlMeasure.person_id == person_id)
        return await keyset_by(
            self.session, stmt, params, ControlMeasure.start_on, ControlMeasure.created_at, ControlMeasure.id
        )
