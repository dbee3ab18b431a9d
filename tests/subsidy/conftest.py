"""Fixtures of the subsidy tests: the app (with a fake gateway-and-placement, or with the real placement app in the
same test), tokens for every kind of caller, evaluations that run on the test's own connection (so they roll back
with it), and helpers that publish a policy, set a budget and evaluate a year."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from subsidy.evaluations.service import Evaluator
from subsidy.main import create_app
from tests import calls
from tests.conftest import _isolated_client, _settings
from tests.jobs import finished_job, same_session
from tests.subsidy.fakes import FakePlacement

POLICIES = "/api/v1/subsidy-policies"
EVALUATIONS = "/api/v1/subsidy-evaluations"
DECISIONS = "/api/v1/subsidy-decisions"
APPLICATIONS = "/api/v1/subsidy-applications"
BUDGETS = "/api/v1/subsidy-budgets"
PROBLEM = "application/problem+json"
SERVICE_SCOPES = ["subsidy:read", "placement:read", "registry:read"]
NOTICE_TIERS = [
    {"min_headcount": 1, "max_headcount": 49, "amount": "10000.00"},
    {"min_headcount": 50, "max_headcount": 99, "amount": "20000.00"},
    {"min_headcount": 100, "max_headcount": None, "amount": "30000.00"},
]


@pytest.fixture
def staff(auth):
    """Named people of each department, each with a subject of their own."""
    return {
        name: auth(department=department, jurisdiction=jurisdiction, sub=f"{name}-{uuid.uuid4().hex[:6]}")
        for name, department, jurisdiction in (
            ("clerk", "township", "dapu"),
            ("reviewer", "township", "dapu"),
            ("shapu", "township", "shapu"),
            ("nco", "nco", None),
            ("approver", "finance", None),
            ("cashier", "finance", None),
        )
    }


@pytest.fixture
def employer_client(make_token):
    """employer_client(employer_id, scopes=...) -> headers of that employer's integration client (claim emp)."""
    return calls.employer_clients(make_token, ("subsidy:read", "subsidy:write"))


@pytest.fixture
def service_token(make_token):
    def make() -> str:
        return make_token(roles=["service"], department="it", kind="client", scopes=SERVICE_SCOPES, sub="svc-subsidy")

    return make


@pytest.fixture
def service_auth(service_token):
    def headers() -> dict:
        return {"Authorization": f"Bearer {service_token()}"}

    return headers


@dataclass
class Env:
    client: httpx.AsyncClient
    session: AsyncSession
    evaluator: Evaluator
    placement: Any
    """FakePlacement, or the forwarding transport to the real placement app."""

    async def drain(self) -> None:
        await self.evaluator.drain()


def subsidy_settings(database_url, **overrides):
    return _settings(
        "subsidy",
        database_url("subsidy"),
        service_client_id="svc-subsidy",
        service_client_secret="test-secret-of-svc-subsidy",
        http_retries=0,
        **overrides,
    )


@asynccontextmanager
async def subsidy_env(database_url, jwks_fetcher, handler, placement) -> AsyncIterator[Env]:
    url = database_url("subsidy")
    transport = handler if isinstance(handler, httpx.AsyncBaseTransport) else httpx.MockTransport(handler)
    app = create_app(subsidy_settings(database_url), jwks_fetcher=jwks_fetcher, placement_transport=transport)
    async for client, session in _isolated_client(app, url):
        evaluator: Evaluator = app.state.subsidy_evaluator
        evaluator.sessions = same_session(session)
        yield Env(client, session, evaluator, placement)
        await evaluator.drain()


@pytest.fixture
def fake_placement(service_token) -> FakePlacement:
    return FakePlacement(token_factory=service_token)


@pytest.fixture
async def env(database_url, jwks_fetcher, fake_placement) -> AsyncIterator[Env]:
    async with subsidy_env(database_url, jwks_fetcher, fake_placement.handle, fake_placement) as made:
        yield made


def policy_body(year: int = 2013, rules: list[dict] | None = None, **overrides) -> dict:
    return {
        "year": year,
        "title": f"{year}年度“启航工程”补助政策",
        "effective_from": f"{year}-01-01",
        "effective_to": f"{year}-12-31",
        "rules": rules if rules is not None else [{"type": "enterprise_placement", "tiers": NOTICE_TIERS}],
        **overrides,
    }


async def publish(client: httpx.AsyncClient, headers: dict, **body) -> dict:
    created = await client.post(POLICIES, json=policy_body(**body), headers=headers)
    assert created.status_code == 201, created.text
    published = await client.post(f"{POLICIES}/{created.json()['id']}/publish", headers=headers)
    assert published.status_code == 200, published.text
    return published.json()


async def evaluate(env: Env, headers: dict, year: int = 2013, **body) -> dict:
    """Start an evaluation, wait for it, and return the finished job."""
    started = await env.client.post(EVALUATIONS, json={"year": year, **body}, headers=headers)
    return await finished_job(env.client, started, EVALUATIONS, headers, env.drain)


async def decisions_of(client: httpx.AsyncClient, headers: dict, **params) -> list[dict]:
    response = await client.get(DECISIONS, params={"limit": 200, **params}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def set_budget(client: httpx.AsyncClient, headers: dict, year: int, subsidy_type: str, amount: str) -> dict:
    url = f"{BUDGETS}/{year}/{subsidy_type}"
    current = await client.get(url, headers=headers)
    extra = {"If-Match": current.headers["etag"]} if current.status_code == 200 else {}
    response = await client.put(url, json={"amount": amount}, headers=headers | extra)
    assert response.status_code in (200, 201), response.text
    return response.json()


async def apply(env, headers, decision_id, **extra):
    return await env.client.post(APPLICATIONS, json={"decision_id": decision_id, **extra}, headers=headers)


async def step(env, headers, application_id, action, **body):
    return await env.client.post(
        f"{APPLICATIONS}/{application_id}/steps", json={"action": action, **body}, headers=headers
    )


def payment(amount="10000.00", **extra):
    return {"amount": amount, "paid_on": "2014-03-15", "voucher_number": "柳财拨〔2014〕0315号", **extra}
