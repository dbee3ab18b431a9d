"""Audit rows that must really commit (to watch the chain across separate transactions): a sessionmaker on
an engine of its own, and afterwards the rows committed meanwhile are removed again. They are the tail of the chain,
so what is left stays a whole chain."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


@dataclass
class CommittedAuditRows:
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    start_id: int

    async def rows(self) -> list[Any]:
        """The rows committed since this began, in chain order."""
        async with self.engine.connect() as conn:
            result = await conn.execute(
                text("SELECT * FROM audit_log WHERE id > :start ORDER BY id"), {"start": self.start_id}
            )
            return list(result.mappings().all())


@asynccontextmanager
async def committed_audit_rows(url: str) -> AsyncIterator[CommittedAuditRows]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            start = await conn.scalar(text("SELECT coalesce(max(id), 0) FROM audit_log"))
        yield CommittedAuditRows(engine, async_sessionmaker(engine, expire_on_commit=False), start)
    finally:
        async with engine.begin() as conn:
            await conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER ALL"))
            await conn.execute(text("DELETE FROM audit_log WHERE id > :start"), {"start": start})
            await conn.execute(text("ALTER TABLE audit_log ENABLE TRIGGER ALL"))
        await engine.dispose()
