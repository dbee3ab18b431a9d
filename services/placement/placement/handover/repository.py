import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from placement.handover.models import Handover
from shared.pagination import PageParams, keyset_by
from shared.query import Repository, where_fields, where_given


@dataclass(frozen=True, slots=True)
class HandoverFilter:
    status: str | None = "pending"
    jurisdiction_code: str | None = None
    person_id: uuid.UUID | None = None


class HandoverRepository(Repository):
    async def get(self, handover_id: uuid.UUID, *, visible_in: str | None, for_update: bool = False) -> Handover | None:
        return await self.by_id(Handover, handover_id, (Handover.jurisdiction_code, visible_in), for_update=for_update)

    async def pending_of(self, person_id: uuid.UUID) -> list[Handover]:
        stmt = select(Handover).where(Handover.person_id == person_id, Handover.status == "pending").with_for_update()
        return list((await self.session.scalars(stmt)).all())

    async def release_near(self, person_id: uuid.UUID, released_on: date, days: int) -> Handover | None:
        """An entry of this person for a release within `days` of `released_on`: the same release seen twice."""
        stmt = select(Handover).where(
            Handover.person_id == person_id,
            Handover.released_on.between(released_on - timedelta(days=days), released_on + timedelta(days=days)),
        )
        return await self.session.scalar(stmt.limit(1))

    async def by_source(self, measure_id: uuid.UUID) -> Handover | None:
        return await self.session.scalar(select(Handover).where(Handover.source_measure_id == measure_id))

    async def page(
        self, filters: HandoverFilter, params: PageParams, *, visible_in: str | None
    ) -> tuple[list[Handover], str | None]:
        stmt = where_fields(where_given(select(Handover), (Handover.jurisdiction_code, visible_in)), Handover, filters)
        # Longest waiting first.
        return await keyset_by(self.session, stmt, params, Handover.released_on, Handover.id)
