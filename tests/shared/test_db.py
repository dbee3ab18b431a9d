"""The services' engine has no pre-ping: a connection the server dropped is replaced at checkout when asyncpg has
already seen it close, and otherwise the first statement of a transaction that meets it is run again once on a
fresh connection. Only a statement that nothing else of its transaction preceded is retried."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError

from shared import db


async def _terminate(url: str, pid: int) -> None:
    """pg_terminate_backend from a connection of its own, and wait until the backend is gone."""
    engine = db.make_engine(url, pool_size=1)
    try:
        async with engine.connect() as conn:
            assert await conn.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            for _ in range(200):
                gone = not await conn.scalar(
                    text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
                )
                if gone:
                    return
                await asyncio.sleep(0.01)
            raise AssertionError("the backend did not go away")
    finally:
        await engine.dispose()


@pytest.fixture
def url(database_url):
    return database_url("registry")


@pytest.fixture
def invalidations():
    """Disconnects SQLAlchemy saw on statements (each one a statement that met a dropped connection)."""
    seen: list[BaseException] = []

    def on_error(context):
        if context.is_disconnect:
            seen.append(context.original_exception)

    return seen, on_error


@asynccontextmanager
async def _one_connection_pool(url: str, on_error):
    """Sessions of an engine with one connection and no overflow, `on_error` told of every statement's error."""
    engine = db.make_engine(url, pool_size=1, max_overflow=0)
    event.listen(engine.sync_engine, "handle_error", on_error)
    try:
        yield db.make_sessionmaker(engine)
    finally:
        await engine.dispose()


async def _pid(sessions) -> int:
    async with sessions() as session:
        pid = await session.scalar(text("SELECT pg_backend_pid()"))
        await session.commit()
    return pid


async def test_the_engine_does_not_ping_on_checkout(url):
    engine = db.make_engine(url, pool_size=1)
    try:
        assert engine.sync_engine.pool._pre_ping is False
        assert engine.sync_engine.pool._recycle == db.POOL_RECYCLE_SECONDS
    finally:
        await engine.dispose()


async def test_after_the_backend_is_terminated_the_next_request_succeeds(url, invalidations):
    seen, on_error = invalidations
    async with _one_connection_pool(url, on_error) as sessions:
        first = await _pid(sessions)
        await _terminate(url, first)
        second = await _pid(sessions)
        assert len(seen) <= 1  # replaced at checkout (asyncpg saw it close) or retried once
        assert second != first


async def test_a_dropped_connection_not_yet_noticed_is_retried_once_on_a_fresh_one(url, invalidations, monkeypatch):
    # Without the checkout check the pool hands out the dead connection: the first statement meets it.
    monkeypatch.setattr(db, "_drop_closed_connection", lambda *args: None)
    seen, on_error = invalidations
    async with _one_connection_pool(url, on_error) as sessions:
        first = await _pid(sessions)
        await _terminate(url, first)
        async with sessions() as session:
            second = await session.scalar(text("SELECT pg_backend_pid()"))
            assert await session.scalar(text("SELECT 41 + 1")) == 42
            await session.commit()
        assert second != first
        assert len(seen) == 1  # the one attempt that met the dead connection, then the retry that worked


async def test_a_statement_after_others_of_its_transaction_is_not_retried(url, invalidations, monkeypatch):
    monkeypatch.setattr(db, "_drop_closed_connection", lambda *args: None)
    seen, on_error = invalidations
    async with _one_connection_pool(url, on_error) as sessions:
        async with sessions() as session:
            pid = await session.scalar(text("SELECT pg_backend_pid()"))
            await _terminate(url, pid)
            # What ran before is gone with the backend: running the rest elsewhere would lose it. The error stands.
            with pytest.raises(DBAPIError) as caught:
                await session.execute(text("SELECT 1"))
            assert caught.value.connection_invalidated
            await session.rollback()
        assert len(seen) == 1
        assert await _pid(sessions) != pid  # and the session works again afterwards


async def test_a_session_holding_objects_is_not_retried(url, invalidations, monkeypatch):
    from registry.jurisdictions.models import Jurisdiction

    monkeypatch.setattr(db, "_drop_closed_connection", lambda *args: None)
    seen, on_error = invalidations
    async with _one_connection_pool(url, on_error) as sessions:
        pid = await _pid(sessions)
        await _terminate(url, pid)
        async with sessions() as session:
            pending = Jurisdiction(code="zz_pending", name_zh="待", name_en="pending", kind="township")
            session.add(pending)  # a rollback would silently discard it
            with pytest.raises(DBAPIError) as caught:
                await session.execute(text("SELECT 1"))
            assert caught.value.connection_invalidated
            assert pending in session.new
        assert len(seen) == 1
