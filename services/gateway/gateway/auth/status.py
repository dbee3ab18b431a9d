"""Is a token still good? Tokens live minutes; a disabled subject, or a token issued before the subject's token
version was raised (password, roles or secret changed), is refused at the gateway at once. Answers are cached
briefly; changes made in this process clear the cache immediately. The services learn the same from the
revocation list the gateway publishes (GET /api/v1/auth/revocations, shared.revocation)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request

from gateway.auth.repository import SubjectRepository
from shared.revocation import refuse_if_revoked

CLIENT_PREFIX = "client:"


def client_subject(client_id: str) -> str:
    return f"{CLIENT_PREFIX}{client_id}"


class TokenSubject(Protocol):
    token_version: int
    tokens_revoked_at: datetime | None


def revoke_tokens(account: TokenSubject, at: datetime) -> None:
    """Every access token issued to `account` so far is refused from now on: at the gateway at once (the caller
    also forgets its cached state), at the services by their next poll of the revocation list."""
    account.token_version += 1
    account.tokens_revoked_at = at


async def commit_account_change(request: Request, session: AsyncSession, subject: str) -> None:
    """Commit a change to an account (its status, roles, password or secret), then forget the subject's cached state,
    so that this gateway applies the change at once."""
    await session.commit()
    request.app.state.subject_status.forget(subject)


@dataclass(frozen=True, slots=True)
class SubjectState:
    active: bool
    token_version: int


UNKNOWN = SubjectState(active=False, token_version=0)


class SubjectStatus:
    """The gateway's RevocationCheck (app.state.revocations): read from its own database."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], ttl_seconds: float) -> None:
        self.sessionmaker = sessionmaker
        self.ttl = ttl_seconds
        self._cache: dict[str, tuple[SubjectState, float]] = {}

    def forget(self, subject: str) -> None:
        self._cache.pop(subject, None)

    async def state(self, subject: str) -> SubjectState:
        hit = self._cache.get(subject)
        now = time.monotonic()
        if hit is not None and now - hit[1] < self.ttl:
            return hit[0]
        async with self.sessionmaker() as session:
            found = await SubjectRepository(session).state(subject)
        state = UNKNOWN if found is None else SubjectState(active=found[0], token_version=found[1])
        if len(self._cache) > 50_000:
            self._cache.clear()
        self._cache[subject] = (state, now)
        return state

    async def is_active(self, subject: str) -> bool:
        return (await self.state(subject)).active

    async def check(self, claims: dict[str, Any]) -> None:
        state = await self.state(str(claims["sub"]))
        refuse_if_revoked(claims, active=state.active, token_version=state.token_version)
