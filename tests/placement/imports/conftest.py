"""A placement service whose import jobs run on the test's own connection (so they roll back with it), with the fake
registry of the placement tests; `drain` waits for the jobs started so far before the test looks at them."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from placement.employers import uscc
from placement.imports.service import Importer
from placement.main import create_app
from tests.conftest import _isolated_client, _settings
from tests.jobs import finished_job, same_session, xlsx_bytes
from tests.placement.placements.conftest import new_employer, new_post  # noqa: F401  (fixtures used here)
from tests.placement.placements.fakes import FakeRegistry

URL = "/api/v1/placement-imports"
PROBLEM = "application/problem+json"
DAPU = {"department": "township", "jurisdiction": "dapu"}
SHAPU = {"department": "township", "jurisdiction": "shapu"}


@dataclass
class Env:
    client: httpx.AsyncClient
    session: AsyncSession
    importer: Importer
    registry: FakeRegistry

    async def drain(self) -> None:
        await self.importer.runner.drain()

    async def run(self, files: dict, headers: dict, kind: str, **params) -> dict:
        """Start an import, wait for it, and return the finished job."""
        started = await self.client.post(URL, files=files, headers=headers, params={"kind": kind, **params})
        return await finished_job(self.client, started, URL, headers, self.drain)


@pytest.fixture
def fake_registry() -> FakeRegistry:
    return FakeRegistry()


@pytest.fixture
async def env(database_url, jwks_fetcher, fake_registry) -> AsyncIterator[Env]:
    url = database_url("placement")
    app = create_app(
        _settings("placement", url),
        jwks_fetcher=jwks_fetcher,
        registry_transport=httpx.MockTransport(fake_registry.handle),
    )
    async for client, session in _isolated_client(app, url):
        importer: Importer = app.state.placement_imports
        importer.runner.sessions = same_session(session)
        yield Env(client, session, importer, fake_registry)
        await importer.runner.drain()


@pytest.fixture
def api(env) -> httpx.AsyncClient:
    return env.client


@pytest.fixture
def db(env) -> AsyncSession:
    return env.session


def credit_code(serial: int) -> str:
    """A valid unified social credit code (right check character) for each serial."""
    first17 = f"91450222MA{serial:07d}"
    return first17 + uscc.check_character(first17)


def csv_file(rows: list[list[str]], name: str = "名单.csv", encoding: str = "utf-8") -> dict:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return {"file": (name, out.getvalue().encode(encoding), "text/csv")}


def xlsx_file(rows: list[list[object]], name: str = "名单.xlsx") -> dict:
    return {"file": (name, xlsx_bytes(rows), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")}


EMPLOYER_HEADER = ["单位名称", "单位类型", "统一社会信用代码", "所属乡镇", "行业", "地址", "联系人", "联系电话"]
PLACEMENT_HEADER = [
    "人员编号",
    "安置方式",
    "用人单位",
    "岗位",
    "合同编号",
    "签订日期",
    "合同开始日期",
    "合同结束日期",
    "月工资",
]
