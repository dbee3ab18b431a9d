"""For the tests of one migration: a fresh, empty database of the test's own (which it migrates up and down to the
revisions it examines), and one statement at a time run against it in a committed transaction."""

from __future__ import annotations

import os

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from scripts.localdb import ensure_database
from shared.config import database_url_for


def fresh_database(pg_server_url: str, label: str) -> str:
    """URL of the empty database qihang_test_<label><TEST_DB_SUFFIX>, dropped and made again."""
    name = f"qihang_test_{label}{os.environ.get('TEST_DB_SUFFIX', '')}"
    ensure_database(pg_server_url, name, recreate=True)
    return database_url_for(pg_server_url, name)


async def run(url: str, statement: str, **params):
    """Run one statement in its own committed transaction; the rows of a SELECT."""
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            result = await conn.execute(text(statement), params)
            return result.all() if result.returns_rows else None
    finally:
        await engine.dispose()
