import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.measures.models import ControlMeasure
from registry.persons.models import Person
from registry.transfers.models import PersonTransfer
from shared.pagination import PageParams, keyset_page


@dataclass(frozen=True, slots=True)
class TransferFilter:
    status: str | None = None
    direction: str | None = None
    """"in" (to `jurisdiction_code`) or "out" (from it); None: either."""
    jurisdiction_code: str | None = None
    person_id: uuid.UUID | None = None


class TransferRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, transfer: PersonTransfer) -> PersonTransfer:
        self.session.add(transfer)
        await self.session.flush()
        await self.session.refresh(transfer)
        return transfer

    async def get(self, transfer_id: uuid.UUID, *, for_update: bool = False) -> PersonTransfer | None:
        stmt = select(PersonTransfer).where(PersonTransfer.id == transfer_id)
        if for_update:
            stmt = stmt.with_for_update()
        return await self.session.scalar(stmt)

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
        stmt = self._party(select(PersonTransfer), jurisdiction)
        if filters.person_id is not None:
            stmt = stmt.where(PersonTransfer.person_id == filters.person_id)
        if filters.status is not None:
            stmt = stmt.where(PersonTransfer.status == filters.status)
        code = filters.jurisdiction_code
        if code is not None and filters.direction == "in":
            stmt = stmt.where(PersonTransfer.to_jurisdiction_code == code)
        elif code is not None and filters.direction == "out":
            stmt = stmt.where(PersonTransfer.from_jurisdiction_code == code)
        elif code is not None:
            stmt = self._party(stmt, code)
        return await keyset_page(
            self.session,
            stmt,
            params,
            keys=[PersonTransfer.created_at, PersonTransfer.id],
            descending=True,
            convert=[datetime.fromisoformat, uuid.UUID],
        )

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
