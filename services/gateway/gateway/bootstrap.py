"""First start: a signing key, the first county administrator and the platform's service clients.
Safe to run on every start and from several processes at once (one advisory lock)."""

from __future__ import annotations

import asyncio
import logging
import sys

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.clients.service import upsert_service_client
from gateway.config import Settings
from gateway.users.repository import UserRepository
from gateway.users.schemas import UserCreate
from gateway.users.service import create_user

logger = logging.getLogger("qihang.bootstrap")
BOOTSTRAP_LOCK = 7_413_001


async def bootstrap(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> str | None:
    """Returns the generated admin password when one had to be generated (to be shown once), else None."""
    generated: str | None = None
    async with sessionmaker() as session, session.begin():
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": BOOTSTRAP_LOCK})
        if await UserRepository(session).by_username(settings.admin_username) is None:
            given = settings.admin_password.get_secret_value() if settings.admin_password else None
            created = await create_user(
                session,
                data=UserCreate(
                    username=settings.admin_username,
                    display_name="县禁毒办系统管理员",
                    password=given,
                    roles=["admin"],
                    department="nco",
                    jurisdiction=None,
                ),
                actor="bootstrap",
                force_password_change=given is None,
            )
            generated = created.generated_password
            logger.info("created the first administrator", extra={"username": settings.admin_username})
        for service in ("registry", "placement", "subsidy", "reporting"):
            secret = getattr(settings, f"{service}_service_client_secret")
            if secret is not None:
                await upsert_service_client(session, service=service, secret=secret.get_secret_value())
    return generated


def announce_generated_password(username: str, password: str) -> None:
    """Printed once, to the console of whoever started the gateway; never logged as JSON."""
    banner = "=" * 72
    print(
        f"\n{banner}\nFirst administrator created.\n  username: {username}\n  password: {password}\n"
        f"Change it after logging in (POST /api/v1/auth/password). It will not be shown again.\n{banner}\n",
        file=sys.stdout,
        flush=True,
    )


if __name__ == "__main__":
    from shared.db import make_engine, make_sessionmaker

    async def main() -> None:
        settings = Settings()
        engine = make_engine(settings.database_url.get_secret_value())
        generated = await bootstrap(make_sessionmaker(engine), settings)
        await engine.dispose()
        if generated:
            announce_generated_password(settings.admin_username, generated)

    asyncio.run(main())
