"""shared.audit against the registry's test database: the hash chain, redaction, the database's refusals, and the
chain staying one line when transactions record at once."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import uuid
from datetime import UTC, date
from decimal import Decimal
from itertools import pairwise

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from scripts.localdb import ensure_database
from shared.audit import (
    GENESIS_HASH,
    REDACTED,
    AuditLog,
    VerifyResult,
    append_only_guard_sql,
    audit_table,
    chain_hash,
    changes_between,
    outcome_for,
)
from shared.auth import Principal
from shared.config import database_url_for
from shared.db import end_request_transaction, new_metadata
from shared.errors import Conflict, Forbidden, NotFound, Unauthorized
from shared.logging import request_id_var
from shared.migrations import downgrade, upgrade
from shared.pagination import InvalidCursor
from tests.registry.audit.helpers import committed_audit_rows

log = AuditLog(audit_table(new_metadata()))


def principal(subject: str | None = None, **overrides) -> Principal:
    fields = {
        "subject": subject or str(uuid.uuid4()),
        "kind": "user",
        "name": "韦丽",
        "roles": frozenset({"staff", "viewer"}),
        "department": "township",
        "jurisdiction": "dapu",
        "scopes": frozenset({"registry:read"}),
        "token": "not-a-real-token",
        "token_id": None,
    }
    return Principal(**{**fields, **overrides})


@pytest.fixture
def registry_url(database_url) -> str:
    return database_url("registry")


@pytest.fixture
async def session(registry_url):
    """A session whose every change is rolled back after the test."""
    engine = create_async_engine(registry_url)
    async with engine.connect() as conn:
        outer = await conn.begin()
        session = AsyncSession(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
        yield session
        await session.close()
        await outer.rollback()
    await engine.dispose()


async def row(session: AsyncSession, entry_id: int):
    return (await session.execute(text("SELECT * FROM audit_log WHERE id = :id"), {"id": entry_id})).mappings().one()


async def read(session: AsyncSession, **kwargs):
    defaults = {"principal": principal(), "operation": "person.read", "resource_type": "person"}
    return await log.record(session, **{**defaults, **kwargs})


# --- The chain ------------------------------------------------------------------------------------------------------


async def test_each_row_hashes_its_content_with_the_hash_of_the_row_before(session):
    person = uuid.uuid4()
    actor = principal()
    token = request_id_var.set("req-audit-1")
    try:
        first = await read(session, principal=actor, resource_ids=[person])
        second = await read(session, principal=actor, operation="person.update", resource_ids=[person])
    finally:
        request_id_var.reset(token)
    one, two = await row(session, first.id), await row(session, second.id)

    assert two["prev_hash"] == one["hash"]
    assert two["at"] >= one["at"] and two["at"].microsecond % 1000 == 0
    # Recomputed here from the documented recipe, not with the module's own function.
    content = {
        "at": two["at"].astimezone(UTC).isoformat(timespec="milliseconds"),
        "actor_subject": actor.subject,
        "actor_kind": "user",
        "actor_name": "韦丽",
        "actor_roles": ["staff", "viewer"],
        "actor_department": "township",
        "actor_jurisdiction": "dapu",
        "operation": "person.update",
        "resource_type": "person",
        "resource_ids": [str(person)],
        "changes": None,
        "outcome": "success",
        "request_id": "req-audit-1",
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert two["hash"] == hashlib.sha256((one["hash"] + canonical).encode()).hexdigest() == second.hash


async def test_the_first_row_of_an_empty_log_links_to_the_genesis_hash(session):
    await session.execute(text("ALTER TABLE audit_log DISABLE TRIGGER ALL"))
    await session.execute(text("DELETE FROM audit_log"))
    await session.execute(text("ALTER TABLE audit_log ENABLE TRIGGER ALL"))
    first = await read(session)
    assert (await row(session, first.id))["prev_hash"] == GENESIS_HASH
    assert await log.verify(session) == (await log.verify(session, since_id=first.id))
    assert (await log.verify(session)).ok


async def test_resource_ids_are_stored_sorted_once_each(session):
    a, b = uuid.UUID(int=1), uuid.UUID(int=2)
    entry = await read(session, operation="person.list", resource_ids=[b, a, b])
    assert (await row(session, entry.id))["resource_ids"] == [a, b]


async def test_the_system_itself_can_be_the_actor(session):
    entry = await read(session, principal=None, operation="person.archive")
    stored = await row(session, entry.id)
    assert (stored["actor_kind"], stored["actor_subject"], stored["actor_roles"]) == ("system", "system", [])


async def test_an_unknown_outcome_is_refused_before_anything_is_written(session):
    before = await session.scalar(text("SELECT count(*) FROM audit_log"))
    with pytest.raises(ValueError, match="outcome"):
        await read(session, outcome="maybe")
    assert await session.scalar(text("SELECT count(*) FROM audit_log")) == before


# --- Changes and redaction ------------------------------------------------------------------------------------------


async def test_sensitive_fields_are_named_but_their_values_redacted(session):
    secret_id, secret_phone = "450222199001011234", "13800138000"
    entry = await read(
        session,
        operation="person.update",
        changes={
            "household_address": ("大埔镇一号", "东泉镇二号"),
            "id_number": {"old": secret_id, "new": "450222198506154571"},
            "phone": (None, secret_phone),
        },
        sensitive={"id_number", "phone"},
    )
    stored = await row(session, entry.id)
    assert stored["changes"] == {
        "household_address": {"old": "大埔镇一号", "new": "东泉镇二号"},
        "id_number": {"old": REDACTED, "new": REDACTED},
        "phone": {"old": None, "new": REDACTED},
    }
    as_text = await session.scalar(text("SELECT audit_log::text FROM audit_log WHERE id = :id"), {"id": entry.id})
    assert secret_id not in as_text and secret_phone not in as_text


async def test_values_of_any_type_keep_their_hash_through_the_database(session):
    await read(
        session,
        operation="person.update",
        changes={
            "subsidy": (Decimal("1200.50"), Decimal("1500.00")),
            "start_on": (date(2026, 1, 1), date(2026, 2, 1)),
            "score": (1e20, 0.1 + 0.2),
            "employer_id": (None, uuid.UUID(int=7)),
            "skills": (["缫丝"], ["缫丝", "种植"]),
            "contact": ({"b": 1, "a": [True, None]}, {}),
        },
    )
    assert (await log.verify(session)).ok


def test_changes_between_names_only_what_changed():
    before = {"name": "韦某", "phone": "1", "address": "a"}
    after = {"name": "韦某", "phone": "2", "skills": ["缫丝"]}
    assert changes_between(before, after) == {
        "address": ("a", None),
        "phone": ("1", "2"),
        "skills": (None, ["缫丝"]),
    }


@pytest.mark.parametrize(
    ("exc", "outcome"),
    [
        (Forbidden(), "denied"),
        (Unauthorized(), "denied"),
        (NotFound(), "not_found"),
        (Conflict(), "invalid"),
        (InvalidCursor(), "invalid"),
        (RuntimeError(), "error"),
    ],
)
def test_outcome_for_an_error(exc, outcome):
    assert outcome_for(exc) == outcome


# --- Tampering and the database's refusals --------------------------------------------------------------------------


async def tamper(session: AsyncSession, sql: str, **params) -> None:
    await session.execute(text("ALTER TABLE audit_log DISABLE TRIGGER ALL"))
    await session.execute(text(sql), params)
    await session.execute(text("ALTER TABLE audit_log ENABLE TRIGGER ALL"))


async def test_verify_finds_a_row_changed_in_place(session):
    first, second, third = [await read(session, operation=f"person.op{i}") for i in range(3)]
    assert await log.verify(session, since_id=first.id) == VerifyResult(True, 3, None)

    await tamper(session, "UPDATE audit_log SET actor_name = 'someone else' WHERE id = :id", id=second.id)

    result = await log.verify(session)
    assert (result.ok, result.first_bad_id) == (False, second.id)
    assert await log.verify(session, since_id=first.id) == VerifyResult(False, 2, second.id)
    # From the third row on, the chain still links to the second row's stored hash.
    assert await log.verify(session, since_id=third.id) == VerifyResult(True, 1, None)
    assert await log.verify(session, since_id=first.id, limit=1) == VerifyResult(True, 1, None)


async def test_verify_finds_a_row_rewritten_with_a_fresh_hash_at_the_next_row(session):
    first, second, third = [await read(session, operation=f"person.op{i}") for i in range(3)]
    forged = dict(await row(session, second.id))
    forged["operation"] = "person.nothing"
    await tamper(
        session,
        "UPDATE audit_log SET operation = 'person.nothing', hash = :hash WHERE id = :id",
        hash=chain_hash(forged["prev_hash"], forged),
        id=second.id,
    )
    assert await log.verify(session, since_id=first.id) == VerifyResult(False, 3, third.id)


async def test_verify_finds_a_removed_row_at_the_next_row(session):
    first, second, third = [await read(session, operation=f"person.op{i}") for i in range(3)]
    await tamper(session, "DELETE FROM audit_log WHERE id = :id", id=second.id)
    assert await log.verify(session, since_id=first.id) == VerifyResult(False, 2, third.id)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET outcome = 'success'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
    ],
)
async def test_the_database_refuses_to_change_or_remove_rows(session, statement):
    await read(session)
    with pytest.raises(DBAPIError, match="audit_log is append-only"):
        async with session.begin_nested():
            await session.execute(text(statement))
    assert await session.scalar(text("SELECT count(*) FROM audit_log")) >= 1


async def test_two_rows_cannot_claim_the_same_predecessor(session):
    entry = await read(session)
    stored = dict(await row(session, entry.id))
    stored.pop("id")
    with pytest.raises(IntegrityError, match="uq_audit_log_prev_hash"):
        async with session.begin_nested():
            await session.execute(
                text(
                    "INSERT INTO audit_log (at, actor_subject, actor_kind, actor_name, actor_roles, operation, "
                    "resource_type, resource_ids, outcome, prev_hash, hash) VALUES (now(), 'x', 'user', 'x', '{}', "
                    "'person.read', 'person', '{}', 'success', :prev_hash, :hash)"
                ),
                {"prev_hash": stored["prev_hash"], "hash": "f" * 64},
            )


def test_the_guard_takes_only_a_plain_table_name():
    with pytest.raises(ValueError):
        append_only_guard_sql("audit_log; DROP TABLE person")


# --- Transactions ---------------------------------------------------------------------------------------------------


async def test_a_recorded_write_rolls_back_with_its_transaction_but_the_refusal_is_kept(registry_url):
    person = uuid.uuid4()
    actor = principal()
    async with committed_audit_rows(registry_url) as committed:
        async with committed.sessionmaker() as request_session:
            with pytest.raises(Forbidden):
                async with log.audited(
                    request_session,
                    principal=actor,
                    operation="person.update",
                    resource_type="person",
                    resource_ids=[person],
                ) as trail:
                    trail.changes = {"phone": ("1", "2")}
                    await log.record(
                        request_session,
                        principal=actor,
                        operation="person.update",
                        resource_type="person",
                        resource_ids=[person],
                        changes=trail.changes,
                    )
                    raise Forbidden("not yours")
            await end_request_transaction(request_session, failed=True)

        rows = await committed.rows()
        assert [(r["operation"], r["outcome"], r["resource_ids"]) for r in rows] == [
            ("person.update", "denied", [person])
        ]
        async with committed.sessionmaker() as check:
            assert (await log.verify(check)).ok


async def advisory_lock_waiters(session: AsyncSession) -> int:
    return await session.scalar(
        text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = ("
            "SELECT oid FROM pg_database WHERE datname = current_database())"
        )
    )


async def test_a_second_transaction_waits_for_the_first_and_links_to_its_row(registry_url):
    async with committed_audit_rows(registry_url) as committed:
        async with (
            committed.sessionmaker() as first,
            committed.sessionmaker() as second,
            committed.sessionmaker() as watcher,
        ):
            first_entry = await read(first, operation="person.first")

            async def record_second():
                entry = await read(second, operation="person.second")
                await second.commit()
                return entry

            task = asyncio.create_task(record_second())
            for _ in range(500):
                if await advisory_lock_waiters(watcher):
                    break
                await asyncio.sleep(0.01)
            else:
                task.cancel()
                pytest.fail("the second transaction did not wait for the audit lock")
            assert not task.done()
            await first.commit()
            second_entry = await task

        rows = await committed.rows()
        assert [r["id"] for r in rows] == [first_entry.id, second_entry.id]
        assert rows[1]["prev_hash"] == rows[0]["hash"]


async def test_many_concurrent_transactions_keep_one_linear_chain(registry_url):
    async with committed_audit_rows(registry_url) as committed:

        async def worker(n: int) -> None:
            for i in range(5):
                async with committed.sessionmaker() as s, s.begin():
                    await s.execute(text("SELECT 1"))
                    await read(s, operation=f"person.w{n}.{i}")

        await asyncio.gather(*(worker(n) for n in range(8)))

        rows = await committed.rows()
        assert len(rows) == 40
        assert all(later["prev_hash"] == earlier["hash"] for earlier, later in pairwise(rows))
        assert [r["at"] for r in rows] == sorted(r["at"] for r in rows)
        async with committed.sessionmaker() as check:
            assert await log.verify(check, since_id=rows[0]["id"]) == VerifyResult(True, 40, None)


# --- The migration --------------------------------------------------------------------------------------------------


async def test_the_migrated_table_is_the_one_audit_table_describes(registry_url):
    from registry.audit.models import table

    engine = create_async_engine(registry_url)
    async with engine.connect() as conn:

        def diff(sync_conn):
            # Only the audit table: the registry's other tables are other tests' business.
            def only_audit_log(name, type_, parent_names):
                return type_ != "table" or name == "audit_log"

            context = MigrationContext.configure(sync_conn, opts={"compare_type": True, "include_name": only_audit_log})
            return compare_metadata(context, table.metadata)

        differences = [d for d in await conn.run_sync(diff) if "audit_log" in repr(d)]
    await engine.dispose()
    assert differences == []


async def test_the_migration_is_reversible(pg_server_url):
    name = f"qihang_test_audit_migration{os.environ.get('TEST_DB_SUFFIX', '')}"
    ensure_database(pg_server_url, name, recreate=True)
    url = database_url_for(pg_server_url, name)
    upgrade("registry", url)

    async def objects() -> tuple:
        engine = create_async_engine(url)
        async with engine.connect() as conn:
            found = (
                await conn.scalar(text("SELECT to_regclass('audit_log') IS NOT NULL")),
                await conn.scalar(text("SELECT count(*) FROM pg_proc WHERE proname = 'audit_log_append_only'")),
            )
        await engine.dispose()
        return found

    assert await objects() == (True, 1)
    downgrade("registry", url, "r0002")
    assert await objects() == (False, 0)
    upgrade("registry", url)
    assert await objects() == (True, 1)
