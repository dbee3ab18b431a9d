"""A registry whose import jobs run on the test's own connection (so they roll back with it): the runner's sessions
are the test's session, and `drain` waits for the jobs started so far before the test looks at them."""

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from registry.imports.service import PersonImporter
from registry.main import create_app
from tests.conftest import _isolated_client, _settings
from tests.jobs import same_session


@dataclass
class Registry:
    client: httpx.AsyncClient
    session: AsyncSession
    importer: PersonImporter

    async def drain(self) -> None:
        await self.importer.runner.drain()


@pytest.fixture
async def reg(database_url, jwks_fetcher) -> AsyncIterator[Registry]:
    url = database_url("registry")
    app = create_app(_settings("registry", url), jwks_fetcher=jwks_fetcher)
    async for client, session in _isolated_client(app, url):
        importer: PersonImporter = app.state.person_imports
        importer.runner.sessions = same_session(session)
        yield Registry(client, session, importer)
        await importer.runner.drain()


def csv_file(rows: list[list[str]], name: str = "名单.csv", encoding: str = "utf-8") -> dict:
    text = "\r\n".join(",".join(cell for cell in row) for row in rows) + "\r\n"
    return {"file": (name, text.encode(encoding), "text/csv")}


HEADER = ["姓名", "公民身份号码", "就业能力", "所属乡镇"]
