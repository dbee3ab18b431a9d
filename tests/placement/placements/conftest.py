"""Fixtures of placement's posts, referrals, placements and evidence tests: the app with a fake registry, the test's
database session, tokens for every kind of caller, and helpers that make employers, posts, people and placements."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from placement.main import create_app
from tests import calls
from tests.conftest import _isolated_client, _settings
from tests.placement.placements.fakes import FakeRegistry

EMPLOYERS = "/api/v1/employers"
POSTS = "/api/v1/job-posts"
PLACEMENTS = "/api/v1/placements"
REFERRALS = "/api/v1/referrals"
PROBLEM = "application/problem+json"
# What the posts, referrals and evidence folders take from here (their conftest.py: `import *`).
__all__ = [
    "api",
    "app_and_session",
    "db",
    "employer_client",
    "fake_registry",
    "new_employer",
    "new_post",
    "place",
    "service_auth",
]


async def create_outcomes(db, person_id: str) -> list[str]:
    """The outcomes of the audited attempts to place `person_id` (placement.create), oldest first."""
    query = text(
        "SELECT outcome FROM audit_log WHERE operation = 'placement.create' AND CAST(:p AS uuid) = ANY(resource_ids) "
        "ORDER BY id"
    )
    return list((await db.execute(query, {"p": person_id})).scalars().all())


@pytest.fixture
def fake_registry() -> FakeRegistry:
    return FakeRegistry()


@pytest.fixture
async def app_and_session(database_url, jwks_fetcher, fake_registry):
    url = database_url("placement")
    app = create_app(
        _settings("placement", url),
        jwks_fetcher=jwks_fetcher,
        registry_transport=httpx.MockTransport(fake_registry.handle),
    )
    async for pair in _isolated_client(app, url):
        yield pair


@pytest.fixture
def api(app_and_session) -> httpx.AsyncClient:
    return app_and_session[0]


@pytest.fixture
def db(app_and_session):
    return app_and_session[1]


@pytest.fixture
def employer_client(make_token):
    """employer_client(employer_id, scopes=...) -> headers of that employer's integration client (claim emp)."""
    return calls.employer_clients(make_token, ("placement:read", "placement:write"))


@pytest.fixture
def service_auth(make_token):
    def headers() -> dict:
        token = make_token(
            roles=["service"], department="it", kind="client", scopes=["placement:read", "registry:read"]
        )
        return {"Authorization": f"Bearer {token}"}

    return headers


@pytest.fixture
def new_employer(api, auth):
    async def make(jurisdiction_code: str = "dapu", name: str = "柳城县鹏鑫源茧丝绸公司", **fields) -> str:
        body = {"name": name, "kind": "enterprise", "jurisdiction_code": jurisdiction_code}
        response = await api.post(EMPLOYERS, json=body | fields, headers=auth())
        assert response.status_code == 201, response.text
        return response.json()["id"]

    return make


def post_body(employer_id: str, **overrides: Any) -> dict:
    return {
        "employer_id": employer_id,
        "title": "缫丝工",
        "sector": "茧丝绸加工",
        "headcount": 3,
        "monthly_wage": "2200.00",
        "contract_type": "fixed_term",
        "working_pattern": "full_time",
        "required_skills": ["缫丝"],
        "opens_on": str(date.today() - timedelta(days=10)),
        "status": "open",
        **overrides,
    }


@pytest.fixture
def new_post(api, auth):
    async def make(employer_id: str, headers=None, **overrides) -> dict:
        response = await api.post(POSTS, json=post_body(employer_id, **overrides), headers=headers or auth())
        assert response.status_code == 201, response.text
        return response.json()

    return make


def contract(start_on: date | str = "2026-01-01", end_on: date | str | None = "2026-12-31", **overrides) -> dict:
    body = {
        "number": "PXY-2026-0001",
        "signed_on": str(start_on),
        "start_on": str(start_on),
        "end_on": None if end_on is None else str(end_on),
        "open_ended": end_on is None,
        "monthly_wage": "2200.00",
    }
    return body | overrides


def placement_body(person_id: str, employer_id: str | None = None, **overrides: Any) -> dict:
    body: dict[str, Any] = {"person_id": person_id, "route": "centralised", "contract": contract()}
    if employer_id is not None:
        body["employer_id"] = employer_id
    return body | overrides


@pytest.fixture
def place(api, auth):
    """place(person_id, employer_id, headers=..., **fields) -> response."""

    async def make(person_id: str, employer_id: str | None = None, headers=None, **fields) -> httpx.Response:
        return await api.post(
            PLACEMENTS, json=placement_body(person_id, employer_id, **fields), headers=headers or auth()
        )

    return make
