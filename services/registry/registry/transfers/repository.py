import uuid
from dataclasses import dataclass

from sqlalchemy import Select, or_, select

from registry.measures.models import ControlMeasure
from registry.persons.models import Person
from registry.transfers.models import PersonTransfer
from shared.pagination import PageParams, newest_first
from shared.query import Repository, where_given


@dataclass(frozen=True, slots=True)
class TransferFilter:
    status: str | None = None
    direction: str | None = None
    """"in" (to `jurisdiction_code`) or "out" (from it); None: either."""
    jurisdiction_code: str | None = None
    person_id: uuid.UUID | None = None


class TransferRepository(Repository):
    refresh_added = True

    async def get(self, transfer_id: uuid.UUID, *, for_update: bool = False) -> PersonTransfer | None:
        return await self.one(select(PersonTransfer).where(PersonTransfer.id == transfer_id), for_update=for_update)

    async def open_for(self, person_id: uuid.UUID) -> PersonTransfer | None:
        return await self.session.scalar(
            select(PersonTransfer).where(PersonTransfer.person_id == person_id, PersonTransfer.status == "proposed")
        )

    @staticmethod
    def _party(stmt: Select, jurisdiction: str | None) -> Select:
        if jurisdiction is None:
            return stmt
        return stmt.where(
            or_(
                PersonTransfer.from_jurisdiction_code == jurisdiction,
                PersonTransfer.to_jurisdiction_code == jurisdiction,
            )
        )

    async def page(
        self, filters: TransferFilter, params: PageParams, *, jurisdiction: str | None
    ) -> tuple[list[PersonTransfer], str | None]:
        """Newest first. `jurisdiction`: only transfers it is a party to (None: all)."""
        stmt = where_given(
            self._party(select(PersonTransfer), jurisdiction),
            (PersonTransfer.person_id, filters.person_id),
            (PersonTransfer.status, filters.status),
        )
        code = filters.jurisdiction_code
        if code is not None and filters.direction == "in":
            stmt = stmt.where(PersonTransfer.to_jurisdiction_code == code)
        elif code is not None and filters.direction == "out":
            stmt = stmt.where(PersonTransfer.from_jurisdiction_code == code)
        elif code is not None:
            stmt = self._party(stmt, code)
        return await newest_first(self.session, stmt, params, PersonTransfer.created_at, PersonTransfer.id)

    async def persons(self, person_ids: list[uuid.UUID]) -> dict[uuid.UUID, Person]:
        if not person_ids:
            return {}
        rows = await self.session.scalars(select(Person).where(Person.id.in_(person_ids)))
        return {p.id: p for p in rows}

    async def measures_of(self, person_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[ControlMeasure]]:
        found: dict[uuid.UUID, list[ControlMeasure]] = {pid: [] for pid in person_ids}
        if person_ids:
            for row in await self.session.scalars(
                select(ControlMeasure).where(ControlMeasure.person_id.in_(person_ids))
            ):
                found[row.person_id].append(row)
        return found
