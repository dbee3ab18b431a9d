import uuid
from datetime import date, datetime

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.drug_tests.models import Relapse
from registry.history.asof import History
from registry.history.models import RegisterChange, Stay, WorkAbilityChange
from registry.measures.models import ControlMeasure
from registry.persons.models import Person
from registry.transfers.models import PersonTransfer
from shared.pagination import PageParams, keyset_page

_KEY_TYPES = [date.fromisoformat, datetime.fromisoformat, uuid.UUID]


class HistoryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _grouped(self, stmt: Select, person_ids: list[uuid.UUID]) -> dict[uuid.UUID, list]:
        found: dict[uuid.UUID, list] = {pid: [] for pid in person_ids}
        for row in await self.session.scalars(stmt):
            found[row.person_id].append(row)
        return found

    async def histories(self, people: list[Person]) -> dict[uuid.UUID, History]:
        """Each person's whole dated history: six queries whatever the number of people (a lookup asks for 200)."""
        ids = [p.id for p in people]
        if not ids:
            return {}
        measures = await self._grouped(select(ControlMeasure).where(ControlMeasure.person_id.in_(ids)), ids)
        changes = await self._grouped(select(RegisterChange).where(RegisterChange.person_id.in_(ids)), ids)
        abilities = await self._grouped(select(WorkAbilityChange).where(WorkAbilityChange.person_id.in_(ids)), ids)
        stays = await self._grouped(select(Stay).where(Stay.person_id.in_(ids)), ids)
        transfers = await self._grouped(
            select(PersonTransfer).where(PersonTransfer.person_id.in_(ids), PersonTransfer.status == "accepted"), ids
        )
        relapses: dict[uuid.UUID, list[date]] = {pid: [] for pid in ids}
        for pid, day in await self.session.execute(
            select(Relapse.person_id, Relapse.occurred_on).where(Relapse.person_id.in_(ids))
        ):
            relapses[pid].append(day)
        return {
            p.id: History(
                birth_date=p.birth_date,
                registered_on=p.registered_on,
                jurisdiction_code=p.jurisdiction_code,
                work_ability=p.work_ability,
                episodes=measures[p.id],
                relapse_days=relapses[p.id],
                register_changes=changes[p.id],
                ability_changes=abilities[p.id],
                stays=stays[p.id],
                transfers=transfers[p.id],
            )
            for p in people
        }

    async def history(self, person: Person) -> History:
        return (await self.histories([person]))[person.id]

    async def register_changes(self, person_id: uuid.UUID) -> list[RegisterChange]:
        stmt = (
            select(RegisterChange)
            .where(RegisterChange.person_id == person_id)
            .order_by(RegisterChange.effective_on, RegisterChange.created_at, RegisterChange.id)
        )
        return list((await self.session.scalars(stmt)).all())

    async def register_change(self, person_id: uuid.UUID, change_id: uuid.UUID) -> RegisterChange | None:
        return await self.session.scalar(
            select(RegisterChange)
            .where(RegisterChange.id == change_id, RegisterChange.person_id == person_id)
            .with_for_update()
        )

    async def ability_changes(self, person_id: uuid.UUID) -> list[WorkAbilityChange]:
        stmt = (
            select(WorkAbilityChange)
            .where(WorkAbilityChange.person_id == person_id)
            .order_by(WorkAbilityChange.effective_on, WorkAbilityChange.created_at, WorkAbilityChange.id)
        )
        return list((await self.session.scalars(stmt)).all())

    async def page_register_changes(
        self, person_id: uuid.UUID, params: PageParams
    ) -> tuple[list[RegisterChange], str | None]:
        stmt = select(RegisterChange).where(RegisterChange.person_id == person_id)
        keys = [RegisterChange.effective_on, RegisterChange.created_at, RegisterChange.id]
        return await keyset_page(self.session, stmt, params, keys=keys, convert=_KEY_TYPES)

    async def page_ability_changes(
        self, person_id: uuid.UUID, params: PageParams
    ) -> tuple[list[WorkAbilityChange], str | None]:
        stmt = select(WorkAbilityChange).where(WorkAbilityChange.person_id == person_id)
        keys = [WorkAbilityChange.effective_on, WorkAbilityChange.created_at, WorkAbilityChange.id]
        return await keyset_page(self.session, stmt, params, keys=keys, convert=_KEY_TYPES)

    async def latest_entries(self, person_id: uuid.UUID, days: list[date]) -> dict[date, datetime]:
        """effective_on -> when its latest entry was made, for the person's ability changes on those days."""
        if not days:
            return {}
        rows = await self.session.execute(
            select(WorkAbilityChange.effective_on, func.max(WorkAbilityChange.created_at))
            .where(WorkAbilityChange.person_id == person_id, WorkAbilityChange.effective_on.in_(days))
            .group_by(WorkAbilityChange.effective_on)
        )
        return {day: latest for day, latest in rows.all()}

    async def page_stays(self, person_id: uuid.UUID, params: PageParams) -> tuple[list[Stay], str | None]:
        stmt = select(Stay).where(Stay.person_id == person_id)
        keys = [Stay.start_on, Stay.created_at, Stay.id]
        return await keyset_page(self.session, stmt, params, keys=keys, convert=_KEY_TYPES)

    async def stays(self, person_id: uuid.UUID) -> list[Stay]:
        stmt = select(Stay).where(Stay.person_id == person_id).order_by(Stay.start_on, Stay.created_at, Stay.id)
        return list((await self.session.scalars(stmt)).all())

    async def stay(self, person_id: uuid.UUID, stay_id: uuid.UUID) -> Stay | None:
        return await self.session.scalar(
            select(Stay).where(Stay.id == stay_id, Stay.person_id == person_id).with_for_update()
        )

    async def add(self, row):
        self.session.add(row)
        await self.session.flush()
        await self.session.refresh(row)
        return row
