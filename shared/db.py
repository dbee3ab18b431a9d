"""Declarative base, async engine and the request-scoped session that owns the transaction."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import DateTime, MetaData, func
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Mapped, mapped_column

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


def make_engine(url: str, *, pool_size: int = 10, max_overflow: int = 10) -> AsyncEngine:
    # asyncpg prepares every statement; after five runs PostgreSQL may switch a prepared statement to one generic
    # plan for all parameter values. For skewed filters (a one-character name search vs a full name) that plan is
    # the wrong one for many values: docs/benchmarks.md measured 3-5x slower pages. Planning each execution with
    # its own values costs a fraction of a millisecond.
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_pre_ping=True,
        pool_recycle=1800,
        connect_args={"server_settings": {"plan_cache_mode": "force_custom_plan"}},
    )


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


# Set in session.info by code that has already rolled its own work back to a savepoint and recorded why it
# failed (the audit trail of a refused request): the request still fails, but that record is committed.
COMMIT_ON_ERROR = "commit_on_error"


async def end_request_transaction(session: AsyncSession, *, failed: bool) -> None:
    if failed and not session.info.get(COMMIT_ON_ERROR):
        await session.rollback()
    else:
        await session.commit()


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request: commit when the route returns, roll back when it raises.
    Services and repositories only flush()."""
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with sessionmaker() as session:
        try:
            yield session
        except BaseException:
            await end_request_transaction(session, failed=True)
            raise
        else:
            await end_request_transaction(session, failed=False)


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
