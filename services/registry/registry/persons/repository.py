import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import aliased

from registry.measures.models import ControlMeasure
from registry.measures.rules import CONTROL_KINDS
from registry.persons.models import Person
from registry.support.models import SupportMember
from shared.pagination import PageParams, keyset_by
from shared.query import Repository

SORTS = {
    "name": Person.name,
    "created_at": Person.created_at,
    "birth_date": Person.birth_date,
}


@dataclass(frozen=True)
class PersonFilter:
    jurisdiction_code: str | None = None
    status: str | None = "active"
    work_ability: str | None = None
    name_contains: str | None = None
    born_after: date | None = None
    born_on_or_before: date | None = None
    measure: str | None = None
    """Kind of the control measure in force on `as_of` (corrections applied), or "none": no control measure then."""
    support_worker: str | None = None
    """Part of the name of someone on the person's support team on `as_of`."""
    as_of: date | None = None
    """The day `measure` and `support_worker` look at (the filter dependency sets today)."""


def _control_measure_in_force(on: date, kinds: frozenset[str] | set[str]):
    """EXISTS a control measure of one of `kinds` in force on `on`, as measures.status.derive sees it: started by
    then, not ended yet (an end date belongs to what follows), not superseded by a correction. Correlated on
    person_id, so ix_control_measure_person_id_start_on answers it; the correction check uses
    uq_control_measure_corrects_id."""
    correction = aliased(ControlMeasure)
    return exists().where(
        ControlMeasure.person_id == Person.id,
        ControlMeasure.kind.in_(sorted(kinds)),
        ControlMeasure.start_on <= on,
        or_(ControlMeasure.actual_end_on.is_(None), ControlMeasure.actual_end_on > on),
        ~exists().where(correction.corrects_id == ControlMeasure.id),
    )


def _support_worker_on_team(on: date, name_part: str):
    """EXISTS a member of the person's support team on `on` whose name contains `name_part`. Correlated on
    person_id (ix_support_member_person_id): a team is a handful of rows, so the name test costs nothing."""
    return exists().where(
        SupportMember.person_id == Person.id,
        SupportMember.name.contains(name_part, autoescape=True),
        SupportMember.from_on <= on,
        or_(SupportMember.to_on.is_(None), SupportMember.to_on >= on),
    )


class PersonRepository(Repository):
    refresh_added = True

    @staticmethod
    def _visible(stmt: Select, jurisdiction: str | None) -> Select:
        return stmt if jurisdiction is None else stmt.where(Person.jurisdiction_code == jurisdiction)

    async def get(self, person_id: uuid.UUID, *, jurisdiction: str | None, for_update: bool = False) -> Person | None:
        stmt = self._visible(select(Person).where(Person.id == person_id), jurisdiction)
        return await self.one(stmt, for_update=for_update)

    async def by_id_hash(self, id_hash: str) -> Person | None:
        return await self.session.scalar(select(Person).where(Person.id_number_hash == id_hash))

    async def page(
        self, filters: PersonFilter, params: PageParams, *, jurisdiction: str | None, sort: str
    ) -> tuple[list[Person], str | None]:
        stmt = self._visible(select(Person), jurisdiction)
        if filters.jurisdiction_code:
            stmt = stmt.where(Person.jurisdiction_code == filters.jurisdiction_code)
        if filters.status:
            stmt = stmt.where(Person.status == filters.status)
        if filters.work_ability:
            stmt = stmt.where(Person.work_ability == filters.work_ability)
        if filters.name_contains:
            stmt = stmt.where(Person.name.contains(filters.name_contains, autoescape=True))
        if filters.born_after:
            stmt = stmt.where(Person.birth_date > filters.born_after)
        if filters.born_on_or_before:
            stmt = stmt.where(Person.birth_date <= filters.born_on_or_before)
        on = filters.as_of or date.today()
        if filters.measure == "none":
            stmt = stmt.where(~_control_measure_in_force(on, CONTROL_KINDS))
        elif filters.measure:
            stmt = stmt.where(_control_measure_in_force(on, {filters.measure}))
        if filters.support_worker:
            stmt = stmt.where(_support_worker_on_team(on, filters.support_worker))
        column = SORTS[sort.lstrip("-")]
        return await keyset_by(self.session, stmt, params, column, Person.id, descending=sort.startswith("-"))

    async def same_name_and_birth_date(self, name: str, birth_date: date) -> list[Person]:
        stmt = select(Person).where(Person.name == name, Person.birth_date == birth_date, Person.status == "active")
        return list((await self.session.scalars(stmt.limit(20))).all())

    async def same_surname_in(self, jurisdiction_code: str, name: str) -> list[Person]:
        stmt = select(Person).where(
            Person.jurisdiction_code == jurisdiction_code,
            Person.status == "active",
            func.left(Person.name, 1) == name[:1],
            func.char_length(Person.name) == len(name),
        )
        return list((await self.session.scalars(stmt.limit(200))).all())
