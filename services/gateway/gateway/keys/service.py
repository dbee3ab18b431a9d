"""Signing keys: created on first start and kept; rotated by kid with the old key still verifying for the overlap."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.keys.models import SigningKey
from gateway.keys.repository import SigningKeyRepository
from shared import jwt as qjwt


def new_kid() -> str:
    return f"k{datetime.now(UTC):%Y%m%d}-{secrets.token_hex(4)}"


@dataclass(frozen=True)
class LoadedKeys:
    signing_kid: str
    signing_pem: str
    jwks: dict[str, Any]


class KeyStore:
    """In-memory view of the signing keys, reloaded from the database on start, after rotation and when a
    token names a kid this process does not know (another gateway process rotated)."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], overlap_seconds: int) -> None:
        self.sessionmaker = sessionmaker
        self.overlap = timedelta(seconds=overlap_seconds)
        self._loaded: LoadedKeys | None = None

    @property
    def current(self) -> LoadedKeys:
        if self._loaded is None:
            raise RuntimeError("signing keys are not loaded")
        return self._loaded

    async def ensure_and_load(self) -> None:
        async with self.sessionmaker() as session, session.begin():
            repo = SigningKeyRepository(session)
            if not await repo.active_for_update():
                pem = qjwt.generate_private_key_pem()
                await repo.add(SigningKey(kid=new_kid(), private_key_pem=pem))
        await self.reload()

    async def reload(self) -> None:
        async with self.sessionmaker() as session:
            keys = await SigningKeyRepository(session).published(datetime.now(UTC) - self.overlap)
        active = [k for k in keys if k.retired_at is None]
        if not active:
            raise RuntimeError("no active signing key")
        self._loaded = LoadedKeys(
            signing_kid=active[0].kid,
            signing_pem=active[0].private_key_pem,
            jwks={"keys": [qjwt.public_jwk(k.private_key_pem, k.kid) for k in keys]},
        )

    async def jwks(self) -> dict[str, Any]:
        return self.current.jwks


async def rotate(session: AsyncSession) -> str:
    """Retire the active key(s) and create a new one; returns the new kid. The caller reloads the KeyStore."""
    repo = SigningKeyRepository(session)
    now = datetime.now(UTC)
    for key in await repo.active_for_update():
        key.retired_at = now
    kid = new_kid()
    await repo.add(SigningKey(kid=kid, private_key_pem=qjwt.generate_private_key_pem()))
    return kid
