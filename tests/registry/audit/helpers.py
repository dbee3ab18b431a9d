"""Audit rows that must really commit (to watch them sealed): a sessionmaker on an engine of its own, the sealer
run on demand, tampering as a superuser could, and afterwards the rows committed meanwhile are removed again. They are
the tail of the chain, so what is left stays a whole chain."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from registry.audit.models import audit as registry_audit
from shared.audit import AuditLog


@dataclass
class CommittedAuditRows:
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    start_id: int
    audit: AuditLog

    async def rows(self) -> list[Any]:
        """The rows committed since this began, in chain order (unsealed ones last)."""
        async with self.engine.connect() as conn:
            result = await conn.execute(
                text("SELECT * FROM audit_log WHERE id > :start ORDER BY seq NULLS LAST, id"), {"start": self.start_id}
            )
            return list(result.mappings().all())

    async def seal(self) -> int:
        """Seal what can be sealed now; how many rows."""
        total = 0
        while True:
            async with self.sessionmaker() as session:
                sealed = await self.audit.seal(session)
                await session.commit()
            if not sealed:
                return total
            total += sealed

    async def tamper(self, sql: str, **params: Any) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER ALL"))
            await conn.execute(text(sql), params)
            await conn.execute(text("ALTER TABLE audit_log ENABLE TRIGGER ALL"))


@asynccontextmanager
async def committed_audit_rows(url: str, audit: AuditLog = registry_audit) -> AsyncIterator[CommittedAuditRows]:
    """In the database at `url`, whose trail `audit` writes (the registry's by default)."""
    engine = create_async_engine(url, pool_size=10)
    try:
        async with engine.connect() as conn:
            start = await conn.scalar(text("SELECT coalesce(max(id), 0) FROM audit_log"))
        yield CommittedAuditRows(engine, async_sessionmaker(engine, expire_on_commit=False), start, audit)
    finally:
        async with engine.begin() as conn:
            await conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER ALL"))
            await conn.execute(text("DELETE FROM audit_log WHERE id > :start"), {"start": start})
            await conn.execute(text("ALTER TABLE audit_log ENABLE TRIGGER ALL"))
        await engine.dispose()
