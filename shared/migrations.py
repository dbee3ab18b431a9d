"""Alembic glue shared by every service's migrations/env.py, and a programmatic `upgrade` for scripts and tests."""

from __future__ import annotations

import asyncio
import concurrent.futures
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

SERVICES_DIR = Path(__file__).resolve().parent.parent / "services"


def alembic_config(service: str, url: str | None = None) -> Config:
    cfg = Config(str(SERVICES_DIR / service / "alembic.ini"))
    cfg.set_main_option("script_location", str(SERVICES_DIR / service / "migrations"))
    if url:
        cfg.attributes["url"] = url
    return cfg


def upgrade(service: str, url: str, revision: str = "head") -> None:
    """Run `alembic upgrade` for one service; safe to call from inside a running event loop."""
    cfg = alembic_config(service, url)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool_:
        pool_.submit(command.upgrade, cfg, revision).result()


def downgrade(service: str, url: str, revision: str = "base") -> None:
    cfg = alembic_config(service, url)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool_:
        pool_.submit(command.downgrade, cfg, revision).result()


def run_env(target_metadata: MetaData, default_url: str) -> None:
    """The body of every env.py: online, async, one transaction per migration run."""
    url = context.config.attributes.get("url") or default_url

    def do_run(connection: Connection) -> None:
        context.configure(connection=connection, target_metadata=target_metadata, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()

    async def run_async() -> None:
        engine = create_async_engine(url, poolclass=pool.NullPool)
        async with engine.connect() as connection:
            await connection.run_sync(do_run)
        await engine.dispose()

    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
    else:
        asyncio.run(run_async())
