import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.persons.models import Person
from shared.pagination import PageParams, keyset_page

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


class PersonRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @staticmethod
    def _visible(stmt: Select, jurisdiction: str | None) -> Select:
        return stmt if jurisdiction is None else stmt.where(Person.jurisdiction_code == jurisdiction)

    async def get(self, person_id: uuid.UUID, *, jurisdiction: str | None, for_update: bool = False) -> Person | None:
        stmt = self._visible(select(Person).where(Person.id == person_id), jurisdiction)
        if for_update:
            stmt = stmt.with_for_update()
        return await self.session.scalar(stmt)

    async def by_id_hash(self, id_hash: str) -> Person | None:
        return await self.session.scalar(select(Person).where(Person.id_number_hash == id_hash))

    async def add(self, person: Person) -> Person:
        self.session.add(person)
        await self.session.flush()
        await self.session.refresh(person)
        return person

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
        descending = sort.startswith("-")
        column = SORTS[sort.lstrip("-")]
        convert = [_converter(column), uuid.UUID]
        return await keyset_page(
            self.session, stmt, params, keys=[column, Person.id], descending=descending, convert=convert
        )

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


def _converter(column):
    if column is Person.birth_date:
        return date.fromisoformat
    if column is Person.created_at:
        return datetime.fromisoformat
    return None
