import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import InstrumentedAttribute

from registry.drug_tests.models import Relapse
from registry.history.asof import History
from registry.history.models import RegisterChange, Stay, WorkAbilityChange
from registry.measures.models import ControlMeasure
from registry.persons.models import Person
from registry.transfers.models import PersonTransfer
from shared.pagination import PageParams, keyset_by
from shared.query import Repository

DatedRow = RegisterChange | WorkAbilityChange | Stay


def _in_order(model: type[DatedRow]) -> list[InstrumentedAttribute[Any]]:
    """The order of a person's dated rows: the day they take effect, then when they were entered."""
    day = model.start_on if model is Stay else model.effective_on
    return [day, model.created_at, model.id]


class HistoryRepository(Repository):
    refresh_added = True

    async def _all(self, model: type[DatedRow], person_id: uuid.UUID) -> list[Any]:
        stmt = select(model).where(model.person_id == person_id).order_by(*_in_order(model))
        return list((await self.session.scalars(stmt)).all())

    async def _page(
        self, model: type[DatedRow], person_id: uuid.UUID, params: PageParams
    ) -> tuple[list[Any], str | None]:
        stmt = select(model).where(model.person_id == person_id)
        return await keyset_by(self.session, stmt, params, *_in_order(model))

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
        return await self._all(RegisterChange, person_id)

    async def register_change(self, person_id: uuid.UUID, change_id: uuid.UUID) -> RegisterChange | None:
        return await self.session.scalar(
            select(RegisterChange)
            .where(RegisterChange.id == change_id, RegisterChange.person_id == person_id)
            .with_for_update()
        )

    async def ability_changes(self, person_id: uuid.UUID) -> list[WorkAbilityChange]:
        return await self._all(WorkAbilityChange, person_id)

    async def page_register_changes(
        self, person_id: uuid.UUID, params: PageParams
    ) -> tuple[list[RegisterChange], str | None]:
        return await self._page(RegisterChange, person_id, params)

    async def page_ability_changes(
        self, person_id: uuid.UUID, params: PageParams
    ) -> tuple[list[WorkAbilityChange], str | None]:
        return await self._page(WorkAbilityChange, person_id, params)

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
        return await self._page(Stay, person_id, params)

    async def stays(self, person_id: uuid.UUID) -> list[Stay]:
        return await self._all(Stay, person_id)

    async def stay(self, person_id: uuid.UUID, stay_id: uuid.UUID) -> Stay | None:
        return await self.session.scalar(
            select(Stay).where(Stay.id == stay_id, Stay.person_id == person_id).with_for_update()
        )
