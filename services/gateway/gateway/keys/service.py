"""Signing keys: created on first start and kept (wrapped with the key-encryption key, gateway.keys.wrapping);
rotated by kid with the old key still verifying for the overlap."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.keys.models import SigningKey
from gateway.keys.repository import SigningKeyRepository
from gateway.keys.wrapping import KeyWrapper
from shared import jwt as qjwt

logger = logging.getLogger("qihang.gateway.keys")
KEY_STORE_LOCK = 7_413_002
"""Advisory lock of the start-up key work (first key, wrapping plain keys), so gateway processes starting
together do it once."""


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

    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], overlap_seconds: int, wrapper: KeyWrapper
    ) -> None:
        self.sessionmaker = sessionmaker
        self.overlap = timedelta(seconds=overlap_seconds)
        self.wrapper = wrapper
        self._loaded: LoadedKeys | None = None

    @property
    def current(self) -> LoadedKeys:
        if self._loaded is None:
            raise RuntimeError("signing keys are not loaded")
        return self._loaded

    async def ensure_and_load(self) -> None:
        """At start-up: wrap every key still stored in plain PEM (databases from before g0003) or wrapped with the
        previous key-encryption key, make the first signing key if there is none, then load."""
        async with self.sessionmaker() as session, session.begin():
            await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": KEY_STORE_LOCK})
            repo = SigningKeyRepository(session)
            rewrapped = 0
            for key in await repo.all_for_update():
                if key.private_key_pem is not None:
                    key.wrapped_private_key = self.wrapper.wrap(key.private_key_pem, key.kid)
                    key.private_key_pem = None
                    rewrapped += 1
                elif key.wrapped_private_key and not self.wrapper.is_current(key.wrapped_private_key):
                    pem = self.wrapper.unwrap(key.wrapped_private_key, key.kid)
                    key.wrapped_private_key = self.wrapper.wrap(pem, key.kid)
                    rewrapped += 1
            if rewrapped:
                await session.flush()
                logger.info("signing keys wrapped with the current key-encryption key", extra={"keys": rewrapped})
            if not await repo.active_for_update():
                await add_key(repo, self.wrapper)
        await self.reload()

    async def reload(self) -> None:
        async with self.sessionmaker() as session:
            keys = await SigningKeyRepository(session).published(datetime.now(UTC) - self.overlap)
        active = [k for k in keys if k.retired_at is None]
        if not active:
            raise RuntimeError("no active signing key")
        pems = {k.kid: self._private_pem(k) for k in keys}
        self._loaded = LoadedKeys(
            signing_kid=active[0].kid,
            signing_pem=pems[active[0].kid],
            jwks={"keys": [qjwt.public_jwk(pems[k.kid], k.kid) for k in keys]},
        )

    def _private_pem(self, key: SigningKey) -> str:
        if key.wrapped_private_key is not None:
            return self.wrapper.unwrap(key.wrapped_private_key, key.kid)
        if key.private_key_pem is None:  # the table's check constraint rules this out
            raise RuntimeError(f"signing key {key.kid} has no private key")
        return key.private_key_pem

    async def jwks(self) -> dict[str, Any]:
        return self.current.jwks


async def add_key(repo: SigningKeyRepository, wrapper: KeyWrapper) -> str:
    """A new RS256 key, stored wrapped; returns its kid."""
    kid = new_kid()
    await repo.add(SigningKey(kid=kid, wrapped_private_key=wrapper.wrap(qjwt.generate_private_key_pem(), kid)))
    return kid


async def rotate(session: AsyncSession, wrapper: KeyWrapper) -> str:
    """Retire the active key(s) and create a new one; returns the new kid. The caller reloads the KeyStore."""
    repo = SigningKeyRepository(session)
    now = datetime.now(UTC)
    for key in await repo.active_for_update():
        key.retired_at = now
    return await add_key(repo, wrapper)
