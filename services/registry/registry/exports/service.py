"""Exporting the list of people a caller may see, with the list's filters, as CSV or XLSX.

The people are decided first: their ids are collected a page at a time with the list's own query, and the one audit
entry naming all of them is committed before any byte of the file leaves (a failed audit means no export). The file
is then streamed: people are read back by id in pages, so memory holds ids and one page, never the whole list.
The columns are the import's headings, so an export can be corrected and imported again.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import date
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.history.asof import age_on
from registry.imports.columns import PERSON_COLUMNS
from registry.persons import policy
from registry.persons.crypto import IdNumberCipher
from registry.persons.exceptions import NoPersonAccess
from registry.persons.models import Person
from registry.persons.repository import PersonFilter, PersonRepository
from registry.persons.schemas import LABELS_ZH
from shared.auth import Principal
from shared.pagination import PageParams
from shared.reference import JURISDICTIONS

IdNumbers = Literal["masked", "full"]
PAGE = 500
# The import's columns (not the import-only 确认非重复), then what only an export has.
FIELDS = [c.field for c in PERSON_COLUMNS.columns if c.field != "confirm_not_duplicate"]
EXTRA_HEADINGS = ["年龄", "状态", "登记时间", "记录编号"]
HEADINGS = [PERSON_COLUMNS.heading_of(f) for f in FIELDS] + EXTRA_HEADINGS


async def collect_ids(
    session: AsyncSession, *, principal: Principal, filters: PersonFilter, sort: str
) -> list[uuid.UUID]:
    """The ids of everyone the list would show, in its order, read a page at a time with the list's query."""
    policy.grant_of(principal)
    repo = PersonRepository(session)
    jurisdiction = policy.visible_jurisdiction(principal)
    ids: list[uuid.UUID] = []
    cursor: str | None = None
    while True:
        rows, cursor = await repo.page(
            filters, PageParams(limit=PAGE, cursor=cursor), jurisdiction=jurisdiction, sort=sort
        )
        ids.extend(p.id for p in rows)
        session.expunge_all()  # the rows are read again while streaming; keep memory to one page
        if cursor is None:
            return ids


def require_id_numbers(principal: Principal, id_numbers: IdNumbers) -> None:
    if id_numbers == "full" and not policy.can_unmask(principal):
        raise NoPersonAccess("Your department may not see full ID numbers; export them masked.")


def _row(person: Person, id_number: str, today: date) -> list[Any]:
    values: dict[str, Any] = {
        "name": person.name,
        "gender": LABELS_ZH["gender"][person.gender],
        "birth_date": person.birth_date,
        "id_number": id_number,
        "ethnicity": person.ethnicity,
        "phone": person.phone,
        "household_address": person.household_address,
        "residence_address": person.residence_address,
        "jurisdiction_code": JURISDICTIONS[person.jurisdiction_code][0],
        "education": LABELS_ZH["education"][person.education] if person.education else None,
        "skills": "、".join(person.skills or []),
        "work_ability": LABELS_ZH["work_ability"][person.work_ability],
        "work_ability_reason": person.work_ability_reason,
        "work_ability_since": person.work_ability_since,
        "registered_on": person.registered_on,
        "left_on": person.archived_on,
        "left_reason": LABELS_ZH["left_reason"][person.archive_reason_code] if person.archive_reason_code else None,
        "guardian_name": person.guardian_name,
        "guardian_relation": person.guardian_relation,
        "guardian_phone": person.guardian_phone,
        "notes": person.notes,
    }
    extra = [
        age_on(person.birth_date, today),
        LABELS_ZH["status"][person.status],
        person.created_at,
        str(person.id),
    ]
    return [values[f] for f in FIELDS] + extra


async def rows(
    session: AsyncSession,
    *,
    principal: Principal,
    ids: Sequence[uuid.UUID],
    id_numbers: IdNumbers,
    cipher: IdNumberCipher,
) -> AsyncIterator[list[Any]]:
    """The people of `ids`, in that order, a page at a time (someone moved out of the caller's jurisdiction
    meanwhile is left out)."""
    jurisdiction = policy.visible_jurisdiction(principal)
    today = date.today()
    for start in range(0, len(ids), PAGE):
        chunk = list(ids[start : start + PAGE])
        stmt = select(Person).where(Person.id.in_(chunk))
        if jurisdiction is not None:
            stmt = stmt.where(Person.jurisdiction_code == jurisdiction)
        found = {p.id: p for p in (await session.scalars(stmt)).all()}
        for person_id in chunk:
            person = found.get(person_id)
            if person is None:
                continue
            number = cipher.decrypt(person.id_number_cipher) if id_numbers == "full" else person.id_number_masked
            yield _row(person, number, today)
        session.expunge_all()
