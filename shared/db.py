"""Declarative base, async engine and the request-scoped session that owns the transaction."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import DateTime, MetaData, event, func
from sqlalchemy.engine import Result
from sqlalchemy.exc import DBAPIError, DisconnectionError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, SessionTransaction, mapped_column
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    """Each service declares `class Base(DeclarativeBase): metadata = new_metadata()` so the services'
    tables never share one MetaData (they live in separate databases) but all follow one naming convention."""
    return MetaData(naming_convention=NAMING_CONVENTION)


class UUIDPrimaryKey:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


# A pooled connection older than this is closed and replaced at checkout (no round trip): it bounds how long a
# connection that a firewall or the server dropped silently can sit in the pool.
POOL_RECYCLE_SECONDS = 1800


def make_engine(url: str, *, pool_size: int = 10, max_overflow: int = 10) -> AsyncEngine:
    """The service's engine. No pre-ping (it cost a BEGIN / `;` / ROLLBACK round trip on every checkout): a
    connection the server has closed is seen locally at checkout (`_drop_closed_connection`), one that dies
    unnoticed is replaced after POOL_RECYCLE_SECONDS, and a request whose first statement meets a dropped connection
    is retried once on a fresh one (`_retry_on_dropped_connection`)."""
    # asyncpg prepares every statement; after five runs PostgreSQL may switch a prepared statement to one generic
    # plan for all parameter values. For skewed filters (a one-character name search vs a full name) that plan is
    # the wrong one for many values: docs/benchmarks.md measured 3-5x slower pages. Planning each execution with
    # its own values costs a fraction of a millisecond.
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_pre_ping=False,
        pool_recycle=POOL_RECYCLE_SECONDS,
        connect_args={"server_settings": {"plan_cache_mode": "force_custom_plan"}},
    )
    event.listen(engine.sync_engine, "checkout", _drop_closed_connection)
    return engine


def _drop_closed_connection(dbapi_connection: Any, record: ConnectionPoolEntry, proxy: PoolProxiedConnection) -> None:
    """A connection whose socket the server closed while it sat in the pool (a restart, pg_terminate_backend, an
    idle timeout) is known to asyncpg without asking the server: the pool replaces it (DisconnectionError at
    checkout makes the pool connect afresh, up to three times)."""
    driver = getattr(dbapi_connection, "driver_connection", None)
    if driver is not None and driver.is_closed():
        raise DisconnectionError("the server closed this pooled connection")


class RequestSession(Session):
    """The services' ORM session: retries a statement once when it is the first of a fresh session's transaction
    and the connection turns out dropped (see `_retry_on_dropped_connection`)."""


# session.info key: the current transaction has a connection (set by after_begin, cleared when it ends).
_CONNECTED = "qihang_connected"


@event.listens_for(RequestSession, "after_begin")
def _mark_connected(session: Session, transaction: SessionTransaction, connection: Any) -> None:
    session.info[_CONNECTED] = True


@event.listens_for(RequestSession, "after_transaction_end")
def _mark_ended(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_CONNECTED, None)


@event.listens_for(RequestSession, "do_orm_execute")
def _retry_on_dropped_connection(state: ORMExecuteState) -> Result[Any] | None:
    """Run the first statement of a transaction, and run it again once if the connection was dropped.

    Only when nothing can be lost: the transaction has no connection yet (nothing of it has run, not even through
    `session.connection()`), and the session holds no objects (a rollback would discard pending ones and expire
    loaded ones). A dropped connection fails on the transaction's BEGIN or its first statement, so the server has
    nothing of it; SQLAlchemy marks the error `connection_invalidated` and invalidates the pool's older connections.
    The rollback releases the dead connection and the second attempt checks out a new one."""
    session = state.session
    if session.info.get(_CONNECTED) or session.new or session.dirty or session.deleted or len(session.identity_map):
        return None
    try:
        return state.invoke_statement()
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
    session.rollback()
    return state.invoke_statement()


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, sync_session_class=RequestSession, expire_on_commit=False, autoflush=False)


# Set in session.info by code that has already rolled its own work back to a savepoint and recorded why it
# failed (the audit trail of a refused request): the request still fails, but that record is committed.
COMMIT_ON_ERROR = "commit_on_error"


async def end_request_transaction(session: AsyncSession, *, failed: bool) -> None:
    if failed and not session.info.get(COMMIT_ON_ERROR):
        await session.rollback()
    else:
        await session.commit()


@asynccontextmanager
async def request_transaction(session: AsyncSession) -> AsyncIterator[AsyncSession]:
    """`session` as a request's: committed when the request's work returns, rolled back when it raises (see
    end_request_transaction)."""
    try:
        yield session
    except BaseException:
        await end_request_transaction(session, failed=True)
        raise
    else:
        await end_request_transaction(session, failed=False)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request: commit when the route returns, roll back when it raises.
    Services and repositories only flush()."""
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with sessionmaker() as session, request_transaction(session):
        yield session


# scope="function": the commit runs before the response is sent, so a failed commit can never follow a 2xx.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


def violated_constraint(exc: IntegrityError) -> str | None:
    """Name of the constraint an IntegrityError broke (asyncpg reports it on the driver's exception)."""
    cause: Any = exc.orig
    while cause is not None:
        name = getattr(cause, "constraint_name", None)
        if name:
            return name
        cause = cause.__cause__
    return None


@asynccontextmanager
async def refused_as(session: AsyncSession, error: Exception, *constraints: str) -> AsyncIterator[None]:
    """Run the block in a savepoint; if the database refuses it on one of `constraints` (on any constraint when none
    is named), raise `error` instead, the IntegrityError as its cause. The transaction goes on after the savepoint;
    any other refusal is raised as it is."""
    try:
        async with session.begin_nested():
            yield
    except IntegrityError as exc:
        if not constraints or violated_constraint(exc) in constraints:
            raise error from exc
        raise
