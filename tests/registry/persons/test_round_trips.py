"""What one `GET /api/v1/persons/{id}` sends to PostgreSQL on the registry's own engine (real request sessions, each
request its own transaction): BEGIN, the person, the audit row, COMMIT. No pre-ping round trip on checkout, no
savepoint around a read. Counts are deterministic; timings are bench/'s job.

Counted where they are sent: SQLAlchemy's cursor events see the statements it executes (SAVEPOINTs included), and
asyncpg's query logger sees the ones asyncpg sends on its own (BEGIN, COMMIT, ROLLBACK, a pre-ping's `;`)."""

from __future__ import annotations

import contextvars
import uuid

import httpx
import pytest
from sqlalchemy import event, text

from registry.main import create_app
from tests.conftest import _settings
from tests.registry.audit.helpers import committed_audit_rows
from tests.registry.persons.conftest import person_body

# Set around the requests measured, so the sealer's own statements (its own task) are not counted.
measuring: contextvars.ContextVar[bool] = contextvars.ContextVar("measuring", default=False)


async def _log_queries(engine, sent: list[str]) -> None:
    """From now on, every connection of `engine` reports what it sends while `measuring` is set (the pool is
    emptied first, so each connection is a new one and reports from its first round trip, a pre-ping included)."""

    def on_connect(dbapi_connection, record):
        # asyncpg calls the logger with call_soon from the query's own task, so its context says who ran it.
        dbapi_connection.driver_connection.add_query_logger(
            lambda q: sent.append(q.query.rstrip(";") or ";") if measuring.get() else None
        )

    def on_statement(conn, cursor, statement, parameters, context, executemany):
        if measuring.get():
            sent.append(statement)

    event.listen(engine.sync_engine, "connect", on_connect)
    event.listen(engine.sync_engine, "before_cursor_execute", on_statement)
    await engine.dispose()


def _kinds(sent: list[str]) -> list[str]:
    """The statements' first words, sorted (the two sources report in their own order)."""
    return sorted(s.split()[0].upper() for s in sent)


# The tables (and columns) whose foreign keys point at person, to remove the committed person's rows afterwards.
REFERENCING_PERSON = """
SELECT c.conrelid::regclass::text, a.attname FROM pg_constraint c
JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
WHERE c.contype = 'f' AND c.confrelid = 'person'::regclass AND c.conrelid <> 'person'::regclass
"""


@pytest.fixture
async def registry_app(database_url, jwks_fetcher, make_token):
    url = database_url("registry")
    headers = {"Authorization": f"Bearer {make_token(roles=['staff'], department='nco')}"}
    async with committed_audit_rows(url) as committed:
        app = create_app(_settings("registry", url), jwks_fetcher=jwks_fetcher)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://registry") as client:
                created = await client.post("/api/v1/persons", json=person_body("莫某", seq=917), headers=headers)
                assert created.status_code == 201, created.text
                person_id = created.json()["id"]
                try:
                    yield app, client, headers, person_id
                finally:
                    async with committed.engine.begin() as conn:  # as a superuser could: past the guards
                        await conn.execute(text("SET LOCAL session_replication_role = replica"))
                        await conn.execute(text("DELETE FROM outbox_event WHERE aggregate_id = :id"), {"id": person_id})
                        for table, column in (await conn.execute(text(REFERENCING_PERSON))).all():
                            await conn.execute(text(f"DELETE FROM {table} WHERE {column} = :id"), {"id": person_id})
                        await conn.execute(text("DELETE FROM person WHERE id = :id"), {"id": person_id})


async def _statements_of(app, client, request) -> list[str]:
    sent: list[str] = []
    await _log_queries(app.state.engine, sent)
    await request()  # warm: every pooled connection in use gets its logger, statements get prepared
    sent.clear()
    token = measuring.set(True)
    try:
        response = await request()
    finally:
        measuring.reset(token)
    await _drain()
    assert response.status_code in (200, 404), response.text
    return sent


async def _drain() -> None:
    import asyncio

    for _ in range(3):  # the loggers run with call_soon
        await asyncio.sleep(0)


async def test_reading_a_person_is_begin_select_audit_insert_commit(registry_app):
    app, client, headers, person_id = registry_app
    sent = await _statements_of(app, client, lambda: client.get(f"/api/v1/persons/{person_id}", headers=headers))
    assert _kinds(sent) == ["BEGIN", "COMMIT", "INSERT", "SELECT"], sent
    assert any("FROM person" in s for s in sent) and any("INTO audit_log" in s for s in sent)


async def test_a_refused_read_is_the_same_four_and_its_audit_row_commits(registry_app):
    app, client, headers, _ = registry_app
    sent = await _statements_of(app, client, lambda: client.get(f"/api/v1/persons/{uuid.uuid4()}", headers=headers))
    assert _kinds(sent) == ["BEGIN", "COMMIT", "INSERT", "SELECT"], sent


async def test_a_write_keeps_its_savepoint(registry_app):
    app, client, headers, _ = registry_app

    async def update_nobody():
        return await client.patch(
            f"/api/v1/persons/{uuid.uuid4()}", json={"name": "某"}, headers={**headers, "If-Match": '"1"'}
        )

    sent = await _statements_of(app, client, update_nobody)
    kinds = _kinds(sent)
    assert "SAVEPOINT" in kinds and "ROLLBACK" in kinds, sent
    assert any(s.upper().startswith("ROLLBACK TO SAVEPOINT") for s in sent), sent
