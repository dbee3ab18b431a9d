"""What the tests of background jobs (imports, evaluations) and of apps' own session factories share: a session
factory that hands out the test's session, the finished job behind a 202, and an .xlsx file's bytes."""

import io
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import httpx
from openpyxl import Workbook
from sqlalchemy.ext.asyncio import AsyncSession


def same_session(session: AsyncSession):
    """A session factory that always hands out the test's session (and never closes it)."""

    @asynccontextmanager
    async def same() -> AsyncIterator[AsyncSession]:
        yield session

    return same


async def finished_job(
    client: httpx.AsyncClient, started: httpx.Response, collection: str, headers: dict, drain: Callable[[], Awaitable]
) -> dict:
    """The job a start answered 202 for, at `collection`/<its id>, read back once `drain` has run it."""
    assert started.status_code == 202, started.text
    assert started.headers["location"] == f"{collection}/{started.json()['id']}"
    await drain()
    job = await client.get(started.headers["location"], headers=headers)
    assert job.status_code == 200, job.text
    return job.json()


def xlsx_bytes(rows: list[list]) -> bytes:
    """A workbook with `rows` on its first sheet, saved."""
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
