"""shared.audit against real PostgreSQL: rows written unsealed in the caller's transaction, the sealer chaining them
in order behind the requests (late commits included), verify finding what was changed or removed, the database's
guard, what a row may say about people, and the migrations.

The chain tests commit for real, in a database of their own (`chain`), emptied before each test."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import pairwise

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, MetaData, Table, Text, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from scripts.localdb import ensure_database
from shared.audit import (
    GENESIS_HASH,
    REDACTED,
    AuditEventNotSealed,
    AuditLog,
    AuditSealer,
    audit_table,
    chain_hash,
    changes_between,
    describe_changes,
    outcome_for,
)
from shared.auth import Principal
from shared.config import database_url_for
from shared.db import end_request_transaction, new_metadata
from shared.errors import Conflict, Forbidden, NotFound, Unauthorized
from shared.logging import request_id_var
from shared.migrations import downgrade, upgrade
from shared.pagination import InvalidCursor

log = AuditLog(audit_table(new_metadata()), recorded_values={"status", "start_on", "amount_cny"})


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


async def read(session: AsyncSession, **kwargs):
    defaults = {"principal": principal(), "operation": "person.read", "resource_type": "person"}
    return await log.record(session, **{**defaults, **kwargs})


async def row(session: AsyncSession, entry_id: int):
    return (await session.execute(text("SELECT * FROM audit_log WHERE id = :id"), {"id": entry_id})).mappings().one()


@pytest.fixture
def registry_url(database_url) -> str:
    return database_url("registry")


@pytest.fixture
async def session(registry_url):
    """A session whose every change is rolled back after the test (its rows are never sealed: its own open
    transaction holds the sealer back)."""
    engine = create_async_engine(registry_url)
    async with engine.connect() as conn:
        outer = await conn.begin()
        session = AsyncSession(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
        yield session
        await session.close()
        await outer.rollback()
    await engine.dispose()


@pytest.fixture(scope="module")
def chain_url(pg_server_url) -> str:
    name = f"qihang_test_auditchain{os.environ.get('TEST_DB_SUFFIX', '')}"
    ensure_database(pg_server_url, name, recreate=True)
    url = database_url_for(pg_server_url, name)
    upgrade("registry", url)
    return url


@pytest.fixture
async def chain(chain_url):
    """Sessions that commit, on an empty audit trail of their own."""
    engine = create_async_engine(chain_url, pool_size=12)
    async with engine.begin() as conn:
        await conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER ALL"))
        await conn.execute(text("TRUNCATE audit_log RESTART IDENTITY"))
        await conn.execute(text("ALTER TABLE audit_log ENABLE TRIGGER ALL"))
    yield async_sessionmaker(engine, expire_on_commit=False)
    await engine.dispose()


async def committed_read(sessions, **kwargs):
    async with sessions() as s:
        entry = await read(s, **kwargs)
        await s.commit()
    return entry


async def seal_all(sessions) -> int:
    total = 0
    while True:
        async with sessions() as s:
            sealed = await log.seal(s, limit=7)
            await s.commit()
        total += sealed
        if sealed == 0:
            return total


async def all_rows(sessions) -> list:
    async with sessions() as s:
        return list((await s.execute(text("SELECT * FROM audit_log ORDER BY seq NULLS LAST, id"))).mappings().all())


async def tamper(sessions, sql: str, **params) -> None:
    """What a superuser could do behind the guard's back."""
    async with sessions() as s:
        await s.execute(text("ALTER TABLE audit_log DISABLE TRIGGER ALL"))
        await s.execute(text(sql), params)
        await s.execute(text("ALTER TABLE audit_log ENABLE TRIGGER ALL"))
        await s.commit()


# --- Writing: one INSERT, unsealed ----------------------------------------------------------------------------------


async def test_a_row_is_written_unsealed_stamped_by_the_database(session):
    person = uuid.uuid4()
    entry = await read(session, resource_ids=[person, person])
    stored = await row(session, entry.id)
    assert stored["txid"] == await session.scalar(text("SELECT pg_current_xact_id()::text::bigint"))
    assert (stored["seq"], stored["prev_hash"], stored["hash"]) == (None, None, None)
    assert stored["at"] == entry.at and stored["at"].microsecond % 1000 == 0
    assert stored["resource_ids"] == [person]


async def test_recording_takes_no_lock(session):
    await read(session)
    locks = await session.scalar(
        text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
    )
    assert locks == 0


async def test_the_system_itself_can_be_the_actor(session):
    entry = await read(session, principal=None, operation="person.archive")
    stored = await row(session, entry.id)
    assert (stored["actor_kind"], stored["actor_subject"], stored["actor_roles"]) == ("system", "system", [])


async def test_an_unknown_outcome_is_refused_before_anything_is_written(session):
    before = await session.scalar(text("SELECT count(*) FROM audit_log"))
    with pytest.raises(ValueError, match="outcome"):
        await read(session, outcome="maybe")
    assert await session.scalar(text("SELECT count(*) FROM audit_log")) == before


async def test_jurisdictions_are_found_from_the_sources_and_added_to_those_named(session):
    await session.execute(text("CREATE TEMP TABLE thing (id uuid PRIMARY KEY, code text) ON COMMIT DROP"))
    thing = Table("thing", MetaData(), Column("id", UUID(as_uuid=True)), Column("code", Text))
    a, b, c, unknown = (uuid.uuid4() for _ in range(4))
    await session.execute(
        text("INSERT INTO thing VALUES (:a, 'dapu'), (:b, 'shapu'), (:c, NULL)"), {"a": a, "b": b, "c": c}
    )
    scoped = AuditLog(log.table, jurisdiction_sources=[(thing.c.id, thing.c.code)])

    both = await scoped.record(
        session, principal=principal(), operation="x.read", resource_type="thing", resource_ids=[b, a, unknown, c]
    )
    named = await scoped.record(
        session,
        principal=principal(),
        operation="x.move",
        resource_type="thing",
        resource_ids=[a],
        jurisdictions=["dongquan", "dapu"],
    )
    none = await scoped.record(session, principal=principal(), operation="x.read", resource_type="thing")
    rows = await scoped.rows_for_each(
        session,
        principal=principal(),
        operation="x.import",
        resource_type="thing",
        entries=[(a, None), (unknown, None)],
    )

    assert (await row(session, both.id))["jurisdictions"] == ["dapu", "shapu"]
    assert (await row(session, named.id))["jurisdictions"] == ["dapu", "dongquan"]
    assert (await row(session, none.id))["jurisdictions"] == []
    assert [r["jurisdictions"] for r in rows] == [["dapu"], []]


# --- What a row says about people -----------------------------------------------------------------------------------


def test_fields_are_named_and_only_recordable_values_of_listed_fields_kept():
    described = describe_changes(
        {
            "status": ("active", "archived"),
            "start_on": {"old": None, "new": date(2026, 1, 1)},
            "welfare.amount_cny": (Decimal("230.50"), Decimal("300.00")),
            "household_address": ("大埔镇一号", "东泉镇二号"),
            "phone": (None, "13800138000"),
            "id_number": ("450222199001011234", "450222198506154571"),
        },
        recorded_values={"status", "start_on", "amount_cny", "id_number"},
        sensitive={"id_number"},
    )
    assert described == {
        "status": {"old": "active", "new": "archived"},
        "start_on": {"old": None, "new": "2026-01-01"},
        "welfare.amount_cny": {"old": "230.50", "new": "300.00"},
        "household_address": {"old": REDACTED, "new": REDACTED},
        "phone": {"old": None, "new": REDACTED},
        # Listed, but sensitive wins.
        "id_number": {"old": REDACTED, "new": REDACTED},
    }


@pytest.mark.parametrize(
    "value", ["柳城县人民医院", "moved away", "x" * 65, ["缫丝"], {"name": "韦某"}, float("nan")], ids=repr
)
def test_a_listed_field_whose_value_is_not_code_like_is_redacted(value):
    assert describe_changes({"status": (None, value)}, recorded_values={"status"}) == {
        "status": {"old": None, "new": REDACTED}
    }


@pytest.mark.parametrize(
    "value", ["community_detox", "2026-01-01", 3, 1.5, True, Decimal("1.00"), uuid.UUID(int=7)], ids=repr
)
def test_codes_numbers_dates_and_ids_of_listed_fields_are_kept(value):
    described = describe_changes({"status": (None, value)}, recorded_values={"status"})
    assert described is not None and described["status"]["new"] != REDACTED


async def test_a_log_without_a_list_names_the_fields_but_keeps_no_value(session):
    bare = AuditLog(log.table)
    entry = await bare.record(
        session,
        principal=principal(),
        operation="person.update",
        resource_type="person",
        changes={"status": ("active", "archived"), "notes": (None, "说了些什么")},
    )
    as_text = await session.scalar(text("SELECT changes::text FROM audit_log WHERE id = :id"), {"id": entry.id})
    assert json.loads(as_text) == {
        "status": {"old": REDACTED, "new": REDACTED},
        "notes": {"old": None, "new": REDACTED},
    }


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


# --- Sealing --------------------------------------------------------------------------------------------------------


async def test_the_sealer_hashes_each_row_with_the_hash_of_the_row_before(chain):
    person = uuid.uuid4()
    actor = principal()
    token = request_id_var.set("req-audit-1")
    try:
        first = await committed_read(chain, principal=actor, resource_ids=[person])
        second = await committed_read(
            chain, principal=actor, operation="person.update", resource_ids=[person], changes={"status": (1, 2)}
        )
    finally:
        request_id_var.reset(token)
    assert await seal_all(chain) == 2
    one, two = await all_rows(chain)

    assert (one["id"], one["seq"], one["prev_hash"]) == (first.id, 1, GENESIS_HASH)
    assert (two["id"], two["seq"], two["prev_hash"]) == (second.id, 2, one["hash"])
    # Recomputed here from the documented recipe, not with the module's own function.
    content = {
        "id": second.id,
        "seq": 2,
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
        "jurisdictions": [],
        "changes": {"status": {"old": 1, "new": 2}},
        "outcome": "success",
        "request_id": "req-audit-1",
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert two["hash"] == hashlib.sha256((one["hash"] + canonical).encode()).hexdigest()
    async with chain() as s:
        result = await log.verify(s)
    assert (result.ok, result.checked, result.first_bad_id) == (True, 2, None)
    assert (result.progress.sealed, result.progress.sealed_up_to_id, result.progress.unsealed) == (2, second.id, 0)


async def test_rows_are_sealed_in_transaction_order_and_a_late_commit_is_never_skipped(chain):
    async with chain() as late, chain() as early_writer:
        # The late transaction gets its id first, but writes its audit row last and commits last.
        await late.execute(text("SELECT pg_current_xact_id()"))
        early = await read(early_writer, operation="person.early")
        await early_writer.commit()

        assert await seal_all(chain) == 0  # the open transaction holds sealing back: nothing is sealed past it
        async with chain() as s:
            progress = await log.progress(s)
            assert (progress.unsealed, progress.sealed) == (1, 0)

        late_entry = await read(late, operation="person.late")
        await late.commit()

    after = await committed_read(chain, operation="person.after")
    assert await seal_all(chain) == 3
    rows = await all_rows(chain)
    # Chain order is transaction order, although the late row's id is higher than the early one's.
    assert [(r["operation"], r["seq"]) for r in rows] == [("person.late", 1), ("person.early", 2), ("person.after", 3)]
    assert late_entry.id > early.id and after.id > late_entry.id
    async with chain() as s:
        assert (await log.verify(s)).ok


async def test_many_concurrent_transactions_end_in_one_valid_chain_while_the_sealer_runs(chain):
    sealer = AuditSealer(log, chain, idle_seconds=0.01, batch_size=5)
    sealer.start()
    try:

        async def worker(n: int) -> None:
            for i in range(5):
                async with chain() as s, s.begin():
                    await s.execute(text("SELECT pg_sleep(0.001 * random())"))
                    await read(s, operation=f"person.w{n}.{i}")

        await asyncio.gather(*(worker(n) for n in range(8)))
        for _ in range(1000):
            async with chain() as s:
                if (await log.progress(s)).unsealed == 0:
                    break
            await asyncio.sleep(0.01)
    finally:
        await sealer.stop()

    rows = await all_rows(chain)
    assert len(rows) == 40 and [r["seq"] for r in rows] == list(range(1, 41))
    assert all(later["prev_hash"] == earlier["hash"] for earlier, later in pairwise(rows))
    assert [(r["txid"], r["id"]) for r in rows] == sorted((r["txid"], r["id"]) for r in rows)
    async with chain() as s:
        result = await log.verify(s)
    assert (result.ok, result.checked) == (True, 40)


async def test_one_sealer_at_a_time(chain):
    await committed_read(chain)
    async with chain() as first, chain() as second:
        assert await log.seal(first) == 1  # holds the sealing lock until it commits
        assert await log.seal(second) == 0
        await first.commit()
    assert await seal_all(chain) == 0
    async with chain() as s:
        assert (await log.verify(s)).ok


# --- Tampering ------------------------------------------------------------------------------------------------------


async def three_sealed(chain):
    entries = [await committed_read(chain, operation=f"person.op{i}") for i in range(3)]
    await seal_all(chain)
    return entries


async def verify(chain, **kwargs):
    async with chain() as s:
        result = await log.verify(s, **kwargs)
    return result.ok, result.checked, result.first_bad_id


async def test_verify_finds_a_row_changed_in_place(chain):
    first, second, third = await three_sealed(chain)
    assert await verify(chain) == (True, 3, None)

    await tamper(chain, "UPDATE audit_log SET actor_name = 'someone else' WHERE id = :id", id=second.id)

    assert await verify(chain) == (False, 2, second.id)
    assert await verify(chain, since_id=third.id) == (True, 1, None)
    assert await verify(chain, since_id=first.id, limit=1) == (True, 1, None)


async def test_verify_finds_a_jurisdiction_changed_in_place(chain):
    _, second, _ = await three_sealed(chain)
    await tamper(chain, "UPDATE audit_log SET jurisdictions = '{dapu}' WHERE id = :id", id=second.id)
    assert await verify(chain) == (False, 2, second.id)


async def test_verify_finds_a_row_rewritten_with_a_fresh_hash_at_the_next_row(chain):
    _, second, third = await three_sealed(chain)
    forged = dict(next(r for r in await all_rows(chain) if r["id"] == second.id))
    forged["operation"] = "person.nothing"
    await tamper(
        chain,
        "UPDATE audit_log SET operation = 'person.nothing', hash = :hash WHERE id = :id",
        hash=chain_hash(forged["prev_hash"], forged),
        id=second.id,
    )
    assert await verify(chain) == (False, 3, third.id)


async def test_verify_finds_a_removed_row_at_the_next_row(chain):
    _, second, third = await three_sealed(chain)
    await tamper(chain, "DELETE FROM audit_log WHERE id = :id", id=second.id)
    assert await verify(chain) == (False, 2, third.id)
    # Started at the row after the gap, the missing predecessor shows there too.
    assert await verify(chain, since_id=third.id) == (False, 1, third.id)


async def test_verify_finds_two_rows_swapped(chain):
    _, second, third = await three_sealed(chain)
    await tamper(chain, "UPDATE audit_log SET seq = -1 WHERE id = :id", id=second.id)
    await tamper(chain, "UPDATE audit_log SET seq = 2 WHERE id = :id", id=third.id)
    await tamper(chain, "UPDATE audit_log SET seq = 3 WHERE id = :id", id=second.id)
    assert await verify(chain) == (False, 2, third.id)


async def test_verify_starting_at_an_unsealed_or_unknown_row_is_refused(chain):
    await three_sealed(chain)
    unsealed = await committed_read(chain)
    async with chain() as s:
        with pytest.raises(AuditEventNotSealed):
            await log.verify(s, since_id=unsealed.id)
        with pytest.raises(AuditEventNotSealed):
            await log.verify(s, since_id=unsealed.id + 1000)
        result = await log.verify(s)
    assert (result.ok, result.checked, result.progress.unsealed) == (True, 3, 1)


# --- The database's guard -------------------------------------------------------------------------------------------


async def attempt(session: AsyncSession, sql: str, **params) -> None:
    async with session.begin_nested():
        await session.execute(text(sql), params)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET outcome = 'success' WHERE id = :id",
        "UPDATE audit_log SET seq = 1, prev_hash = repeat('0', 64), hash = repeat('1', 64), "
        "actor_name = 'x' WHERE id = :id",
        "UPDATE audit_log SET seq = 1, prev_hash = repeat('0', 64) WHERE id = :id",
        "DELETE FROM audit_log WHERE id = :id",
        "TRUNCATE audit_log",
    ],
)
async def test_the_database_refuses_every_change_but_sealing(session, statement):
    entry = await read(session)
    with pytest.raises(DBAPIError, match=r"audit_log is append-only|violates check constraint"):
        await attempt(session, statement, id=entry.id)
    assert (await row(session, entry.id))["hash"] is None


async def test_the_database_lets_a_row_be_sealed_once(session):
    entry = await read(session)
    seal = "UPDATE audit_log SET seq = -5, prev_hash = :prev, hash = :hash WHERE id = :id"
    await attempt(session, seal, prev="a" * 64, hash="b" * 64, id=entry.id)
    with pytest.raises(DBAPIError, match="audit_log is append-only"):
        await attempt(session, seal, prev="c" * 64, hash="d" * 64, id=entry.id)
    assert (await row(session, entry.id))["hash"] == "b" * 64


async def test_a_row_cannot_be_inserted_sealed_nor_with_its_own_time_or_transaction(session):
    insert = (
        "INSERT INTO audit_log (at, txid, actor_subject, actor_kind, actor_name, actor_roles, operation, "
        "resource_type, resource_ids, outcome{extra}) VALUES ('2001-01-01', '1', 'x', 'user', 'x', '{{}}', "
        "'person.read', 'person', '{{}}', 'success'{values}) RETURNING id"
    )
    with pytest.raises(DBAPIError, match="never inserted sealed"):
        await attempt(session, insert.format(extra=", seq, prev_hash, hash", values=", 1, :p, :h"), p="0" * 64, h="1")
    async with session.begin_nested():
        new_id = await session.scalar(text(insert.format(extra="", values="")))
    stored = await row(session, new_id)
    assert stored["at"].year > 2001 and stored["txid"] > 1


async def test_two_rows_cannot_take_the_same_place_or_predecessor(session):
    a, b, c = [await read(session) for _ in range(3)]
    seal = "UPDATE audit_log SET seq = :seq, prev_hash = :prev, hash = :hash WHERE id = :id"
    await attempt(session, seal, seq=-1, prev="a" * 64, hash="b" * 64, id=a.id)
    with pytest.raises(IntegrityError, match="uq_audit_log_prev_hash"):
        await attempt(session, seal, seq=-2, prev="a" * 64, hash="c" * 64, id=b.id)
    with pytest.raises(IntegrityError, match="uq_audit_log_seq"):
        await attempt(session, seal, seq=-1, prev="d" * 64, hash="e" * 64, id=c.id)


# --- Transactions ---------------------------------------------------------------------------------------------------


async def test_a_recorded_write_rolls_back_with_its_transaction_but_the_refusal_is_kept(chain):
    person = uuid.uuid4()
    actor = principal()
    async with chain() as request_session:
        with pytest.raises(Forbidden):
            async with log.audited(
                request_session,
                principal=actor,
                operation="person.update",
                resource_type="person",
                resource_ids=[person],
                jurisdictions=["dapu"],
            ) as trail:
                trail.changes = {"phone": ("1", "2")}
                await read(request_session, principal=actor, operation="person.update", changes=trail.changes)
                raise Forbidden("not yours")
        await end_request_transaction(request_session, failed=True)

    rows = await all_rows(chain)
    assert [(r["operation"], r["outcome"], r["resource_ids"], r["jurisdictions"]) for r in rows] == [
        ("person.update", "denied", [person], ["dapu"])
    ]
    await seal_all(chain)
    async with chain() as check:
        assert (await log.verify(check)).ok


# --- The migrations -------------------------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:Did not recognize type 'xid8'")
@pytest.mark.parametrize("service", ["registry", "placement", "subsidy"])
async def test_the_migrated_table_is_the_one_audit_table_describes(database_url, service):
    import importlib

    table = importlib.import_module(f"{service}.audit.models").table
    engine = create_async_engine(database_url(service))
    async with engine.connect() as conn:

        def diff(sync_conn):
            # Only the audit table: the service's other tables are other tests' business.
            def only_audit_log(name, type_, parent_names):
                return type_ != "table" or name == "audit_log"

            context = MigrationContext.configure(sync_conn, opts={"compare_type": True, "include_name": only_audit_log})
            return compare_metadata(context, table.metadata)

        differences = [d for d in await conn.run_sync(diff) if "audit_log" in repr(d)]
    await engine.dispose()
    assert differences == []


def legacy_rows(count: int) -> list[dict]:
    """Rows as r0003-r0009 chained them: in id order, hashed without id, seq and jurisdictions."""
    rows, prev = [], GENESIS_HASH
    for i in range(count):
        values = {
            "at": datetime(2026, 11, 30, 8, 0, i, tzinfo=UTC),
            "actor_subject": "legacy",
            "actor_kind": "user",
            "actor_name": "韦丽",
            "actor_roles": ["staff"],
            "actor_department": "township",
            "actor_jurisdiction": "dapu",
            "operation": f"person.legacy{i}",
            "resource_type": "person",
            "resource_ids": [uuid.UUID(int=1)],
            "changes": {"household_address": {"old": "大埔镇", "new": "东泉镇"}},
            "outcome": "success",
            "request_id": None,
            "prev_hash": prev,
        }
        values["hash"] = prev = chain_hash(prev, values)
        rows.append(values)
    return rows


async def test_upgrading_keeps_the_old_chain_and_the_sealer_continues_it(pg_server_url):
    name = f"qihang_test_audit_legacy{os.environ.get('TEST_DB_SUFFIX', '')}"
    ensure_database(pg_server_url, name, recreate=True)
    url = database_url_for(pg_server_url, name)
    upgrade("registry", url, "r0009")
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO person (id, name, gender, birth_date, id_number_cipher, id_number_hash, "
                "id_number_masked, jurisdiction_code, work_ability) VALUES (:id, '韦某', 'male', '1990-01-01', "
                "'\\x00', 'h', 'm', 'shapu', 'able')"
            ),
            {"id": uuid.UUID(int=1)},
        )
        for values in legacy_rows(3):
            await conn.execute(
                text(
                    "INSERT INTO audit_log (at, actor_subject, actor_kind, actor_name, actor_roles, "
                    "actor_department, actor_jurisdiction, operation, resource_type, resource_ids, changes, outcome, "
                    "request_id, prev_hash, hash) VALUES (:at, :actor_subject, :actor_kind, :actor_name, "
                    ":actor_roles, :actor_department, :actor_jurisdiction, :operation, :resource_type, "
                    ":resource_ids, CAST(:changes AS jsonb), :outcome, :request_id, :prev_hash, :hash)"
                ),
                values | {"changes": json.dumps(values["changes"], ensure_ascii=False)},
            )
    await engine.dispose()

    upgrade("registry", url)

    from registry.audit.models import audit as registry_audit

    sessions = async_sessionmaker(create_async_engine(url), expire_on_commit=False)
    async with sessions() as s:
        new = await registry_audit.record(
            s, principal=principal(), operation="person.read", resource_type="person", resource_ids=[uuid.UUID(int=1)]
        )
        await s.commit()
    assert await seal_all(sessions) == 1
    rows = await all_rows(sessions)
    assert [(r["seq"], r["txid"] is None, r["jurisdictions"]) for r in rows] == [
        (1, True, ["shapu"]),
        (2, True, ["shapu"]),
        (3, True, ["shapu"]),
        (4, False, ["shapu"]),
    ]
    assert rows[3]["id"] == new.id and rows[3]["prev_hash"] == rows[2]["hash"]
    async with sessions() as s:
        result = await log.verify(s)
    assert (result.ok, result.checked) == (True, 4)
    await tamper(sessions, "UPDATE audit_log SET actor_name = 'x' WHERE seq = 2")
    async with sessions() as s:
        assert (await log.verify(s)).first_bad_id == rows[1]["id"]
    await sessions.kw["bind"].dispose()


async def test_the_migrations_are_reversible(pg_server_url):
    name = f"qihang_test_audit_migration{os.environ.get('TEST_DB_SUFFIX', '')}"
    ensure_database(pg_server_url, name, recreate=True)
    url = database_url_for(pg_server_url, name)
    upgrade("registry", url)

    async def objects() -> tuple:
        engine = create_async_engine(url)
        async with engine.connect() as conn:
            found = (
                await conn.scalar(text("SELECT to_regclass('audit_log') IS NOT NULL")),
                await conn.scalar(
                    text(
                        "SELECT string_agg(proname, ',' ORDER BY proname) FROM pg_proc WHERE proname LIKE 'audit_log%'"
                    )
                ),
            )
        await engine.dispose()
        return found

    assert await objects() == (True, "audit_log_guard")
    downgrade("registry", url, "r0009")
    assert await objects() == (True, "audit_log_append_only")
    downgrade("registry", url, "r0002")
    assert await objects() == (False, None)
    upgrade("registry", url)
    assert await objects() == (True, "audit_log_guard")


async def test_a_downgrade_refuses_while_rows_are_unsealed(pg_server_url):
    name = f"qihang_test_audit_migration{os.environ.get('TEST_DB_SUFFIX', '')}"
    ensure_database(pg_server_url, name, recreate=True)
    url = database_url_for(pg_server_url, name)
    upgrade("registry", url)
    sessions = async_sessionmaker(create_async_engine(url), expire_on_commit=False)
    await committed_read(sessions)
    with pytest.raises(Exception, match="unsealed rows"):
        downgrade("registry", url, "r0009")
    await seal_all(sessions)
    downgrade("registry", url, "r0009")
    await sessions.kw["bind"].dispose()
