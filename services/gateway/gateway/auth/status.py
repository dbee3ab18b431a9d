"""Is a token's subject still allowed in? Tokens live minutes; a disabled user or client is refused at the
gateway at once. Answers are cached briefly; changes made in this process clear the cache immediately."""

from __future__ import annotations

import time
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.clients.models import IntegrationClient
from gateway.users.models import User

CLIENT_PREFIX = "client:"


def client_subject(client_id: str) -> str:
    return f"{CLIENT_PREFIX}{client_id}"


class SubjectStatus:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], ttl_seconds: float) -> None:
        self.sessionmaker = sessionmaker
        self.ttl = ttl_seconds
        self._cache: dict[str, tuple[bool, float]] = {}

    def forget(self, subject: str) -> None:
        self._cache.pop(subject, None)

    async def is_active(self, subject: str) -> bool:
        hit = self._cache.get(subject)
        now = time.monotonic()
        if hit is not None and now - hit[1] < self.ttl:
            return hit[0]
        active = await self._lookup(subject)
        if len(self._cache) > 50_000:
            self._cache.clear()
        self._cache[subject] = (active, now)
        return active

    async def _lookup(self, subject: str) -> bool:
        async with self.sessionmaker() as session:
            if subject.startswith(CLIENT_PREFIX):
                client_id = subject.removeprefix(CLIENT_PREFIX)
                row = (
                    await session.execute(
                        select(IntegrationClient.id, IntegrationClient.disabled_at).where(
                            IntegrationClient.client_id == client_id
                        )
                    )
                ).first()
                return row is not None and row.disabled_at is None
            try:
                user_id = uuid.UUID(subject)
            except ValueError:
                return False
            row = (await session.execute(select(User.id, User.disabled_at).where(User.id == user_id))).first()
            return row is not None and row.disabled_at is None
