"""The bulk statements of a person import: which ID numbers and (name, birth date) pairs are taken, and a COPY per
batch for the people, their events and (shared.imports.audit_each) their audit rows."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Date, MetaData, String, bindparam, delete, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert

from registry.events import outbox
from registry.history.models import RegisterChange, WorkAbilityChange
from registry.persons.models import Person
from shared.imports import copy_rows
from shared.query import Repository

PERSON = Person.__table__
# A batch on its way into `person`: a temporary table of the connection, with the same columns.
BATCH = PERSON.to_metadata(MetaData(), name="import_person_batch")
CREATE_BATCH = text("CREATE TEMP TABLE IF NOT EXISTS import_person_batch (LIKE person INCLUDING DEFAULTS)")


class ImportRepository(Repository):
    async def taken_hashes(self, hashes: Sequence[str]) -> set[str]:
        if not hashes:
            return set()
        # = ANY(one array): one statement whatever the batch size, answered by uq_person_id_number_hash
        wanted = bindparam("hashes", list(hashes), type_=ARRAY(String))
        rows = await self.session.scalars(
            select(Person.id_number_hash).where(Person.id_number_hash == func.any(wanted))
        )
        return set(rows.all())

    async def active_name_birth_pairs(self, pairs: Sequence[tuple[str, date]]) -> set[tuple[str, date]]:
        if not pairs:
            return set()
        names, births = zip(*set(pairs), strict=True)
        # A join with the pairs as a table (unnest), not a row-value IN list, which PostgreSQL compares with every
        # person: that way ix_person_name_birth_date answers it.
        wanted = (
            func.unnest(
                bindparam("names", list(names), type_=ARRAY(String)),
                bindparam("births", list(births), type_=ARRAY(Date)),
            )
            .table_valued("name", "birth_date")
            .render_derived(name="wanted")
        )
        rows = await self.session.execute(
            select(Person.name, Person.birth_date)
            .join(wanted, (Person.name == wanted.c.name) & (Person.birth_date == wanted.c.birth_date))
            .where(Person.status == "active")
        )
        return {(name, born) for name, born in rows.all()}

    async def insert_people(self, values: list[dict[str, Any]]) -> dict[str, uuid.UUID]:
        """Insert the rows whose ID number is not taken meanwhile; id_number_hash -> id of those inserted.

        The rows are COPYed into a temporary table shaped like `person`, then moved by one INSERT ... SELECT that
        skips taken ID numbers: COPY is several times faster than an INSERT of many rows with parameters."""
        if not values:
            return {}
        await self.session.execute(CREATE_BATCH)
        await copy_rows(self.session, BATCH, values)
        columns = [c.name for c in PERSON.c]
        rows = await self.session.execute(
            pg_insert(PERSON)
            .from_select(columns, select(*(BATCH.c[name] for name in columns)))
            .on_conflict_do_nothing(index_elements=[PERSON.c.id_number_hash])
            .returning(PERSON.c.id_number_hash, PERSON.c.id)
        )
        inserted = {id_hash: person_id for id_hash, person_id in rows.all()}
        # Emptied at once: the table lives as long as the pooled connection, and the rows hold ID numbers' ciphertext.
        await self.session.execute(delete(BATCH))
        return inserted

    async def insert_history(self, abilities: list[dict[str, Any]], departures: list[dict[str, Any]]) -> None:
        """Each new person's first work-ability change and, for people back-entered as already off the register,
        their off-register change (COPY, in the batch's transaction)."""
        await copy_rows(self.session, WorkAbilityChange.__table__, abilities)
        await copy_rows(self.session, RegisterChange.__table__, departures)

    async def emit(self, events: list[tuple[str, uuid.UUID, dict[str, Any]]]) -> None:
        """The events of a single create, in bulk: (kind, person id, data already checked by events.person_payload)."""
        await copy_rows(
            self.session,
            outbox.table,
            [
                {"kind": kind, "aggregate_type": "person", "aggregate_id": person_id, "data": data}
                for kind, person_id, data in events
            ],
        )
