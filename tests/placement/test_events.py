"""The placement event feed as a follower sees it: GET /api/v1/placement-events after changes made through the API.

A transaction never sees its own events in the feed (see shared.outbox), so the feed tests run the app on real,
committed sessions and delete what they created afterwards. The feed's barrier is the oldest transaction on the
whole server, so they wait (up to WAIT_SECONDS) for an event rather than assume it is already readable.
"""

from __future__ import annotations

import asyncio
import json
import uuid

import httpx
import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import create_async_engine

from placement.config import Settings
from placement.employers.models import Employer
from placement.events import outbox
from placement.idempotency import store as idempotency_store
from placement.main import create_app
from shared.outbox import FEED_MAX_LIMIT
from tests.calls import bearer

FEED = "/api/v1/placement-events"
EMPLOYERS = "/api/v1/employers"
PROBLEM = "application/problem+json"
WAIT_SECONDS = 30
CONTACT = {"address": "柳城县大埔镇龙江路88号", "contact_name": "韦经理", "contact_phone": "0772-7612345"}


def employer(name: str = "柳城县鹏鑫源茧丝绸公司", **overrides):
    contact = {"name": CONTACT["contact_name"], "phone": CONTACT["contact_phone"]}
    body = {"name": name, "kind": "enterprise", "jurisdiction_code": "dapu"}
    return body | {"address": CONTACT["address"], "contacts": [contact]} | overrides


class Live:
    """The placement app on committed sessions, and what the test created there (deleted at the end)."""

    def __init__(self, client: httpx.AsyncClient, token: str) -> None:
        self.client = client
        self.token = token
        self.employer_ids: list[uuid.UUID] = []

    async def create(self, body: dict, **headers: str) -> httpx.Response:
        response = await self.client.post(EMPLOYERS, json=body, headers=bearer(self.token, **headers))
        assert response.status_code == 201, response.text
        self.employer_ids.append(uuid.UUID(response.json()["id"]))
        return response

    async def feed(self, after: str | None, **params) -> dict:
        response = await self.client.get(
            FEED, params={"limit": 200, **params} | ({"after": after} if after else {}), headers=bearer(self.token)
        )
        assert response.status_code == 200, response.text
        return response.json()

    async def end_of_feed(self) -> str | None:
        page = {"next_cursor": None, "has_more": True}
        while page["has_more"]:
            page = await self.feed(page["next_cursor"])
        return page["next_cursor"]

    async def follow(self, after: str | None, *, until_event_for: str) -> tuple[list[dict], str | None, str]:
        """Poll from `after` until the event about `until_event_for` has come; every item seen, the cursor, and
        every page as sent (JSON with non-ASCII characters unescaped)."""
        items: list[dict] = []
        raw: list[str] = []
        cursor = after
        deadline = asyncio.get_running_loop().time() + WAIT_SECONDS
        while until_event_for not in [item["aggregate_id"] for item in items]:
            if asyncio.get_running_loop().time() > deadline:
                pytest.fail(f"no event about {until_event_for} within {WAIT_SECONDS}s")
            await asyncio.sleep(0.05)
            response = await self.client.get(
                FEED, params={"limit": 200} | ({"after": cursor} if cursor else {}), headers=bearer(self.token)
            )
            assert response.status_code == 200, response.text
            page = response.json()
            raw.append(json.dumps(page, ensure_ascii=False))
            items += page["items"]
            cursor = page["next_cursor"]
        return items, cursor, "".join(raw)


@pytest.fixture
async def live(database_url, jwks_fetcher, make_token):
    url = database_url("placement")
    app = create_app(Settings(database_url=url, environment="test", log_json=False), jwks_fetcher=jwks_fetcher)
    token = make_token(roles=["staff"], department="nco")
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            state = Live(client, token)
            yield state
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        ids = state.employer_ids
        await conn.execute(delete(outbox.table).where(outbox.table.c.aggregate_id.in_(ids)))
        await conn.execute(delete(Employer).where(Employer.id.in_(ids)))
        key_table = idempotency_store.table
        await conn.execute(delete(key_table).where(key_table.c.response_body["id"].astext.in_([str(i) for i in ids])))
    await engine.dispose()


async def test_registering_an_employer_puts_one_employer_created_event_on_the_feed_without_contact_details(live):
    start = await live.end_of_feed()
    created = (await live.create(employer())).json()

    items, cursor, raw = await live.follow(start, until_event_for=created["id"])

    about_it = [item for item in items if item["aggregate_id"] == created["id"]]
    assert len(about_it) == 1
    event = about_it[0]
    assert set(event) == {"id", "kind", "aggregate_type", "aggregate_id", "at", "data"}
    assert (event["kind"], event["aggregate_type"]) == ("employer.created", "employer")
    assert event["data"] == {
        "employer_id": created["id"],
        "kind": "enterprise",
        "jurisdiction_code": "dapu",
        "sector_code": None,
        "version": 1,
    }
    for detail in (*CONTACT.values(), created["name"]):
        assert detail not in raw

    after = await live.feed(cursor)
    assert after == {"items": [], "next_cursor": cursor, "has_more": False}


async def test_a_replayed_create_puts_no_second_event_on_the_feed(live):
    start = await live.end_of_feed()
    key = str(uuid.uuid4())
    first = await live.create(employer(), **{"Idempotency-Key": key})
    replayed = await live.create(employer(), **{"Idempotency-Key": key})
    assert replayed.headers.get("idempotent-replayed") == "true"
    assert replayed.json()["id"] == first.json()["id"]
    # A later change: once its event is on the feed, everything the replay could have written would be too.
    marker = (await live.create(employer("柳城县启航服装加工厂"))).json()

    items, _, _ = await live.follow(start, until_event_for=marker["id"])

    assert [item["aggregate_id"] for item in items] == [first.json()["id"], marker["id"]]


async def test_a_refused_create_writes_no_event(service_client, make_token):
    county = make_token(roles=["staff"], department="nco")
    township = make_token(roles=["staff"], department="township", jurisdiction="dapu")
    async with service_client("placement", create_app) as (client, session):
        ok = await client.post(EMPLOYERS, json=employer(), headers=bearer(county))
        assert ok.status_code == 201
        outside = await client.post(EMPLOYERS, json=employer(jurisdiction_code="shapu"), headers=bearer(township))
        assert outside.status_code == 403
        t = outbox.table
        events = (await session.execute(select(t.c.aggregate_id, func.count()).group_by(t.c.aggregate_id))).all()
    assert events == [(uuid.UUID(ok.json()["id"]), 1)]


async def test_the_feed_needs_the_placement_read_scope(service_client, make_token):
    async with service_client("placement", create_app) as (client, _session):
        without = await client.get(FEED, headers=bearer(make_token(scopes=["registry:read", "placement:write"])))
        anonymous = await client.get(FEED)
        allowed = await client.get(FEED, headers=bearer(make_token(scopes=["placement:read"])))
    assert without.status_code == 403
    assert without.headers["content-type"] == PROBLEM
    assert without.json()["code"] == "insufficient_scope"
    assert anonymous.status_code == 401
    assert allowed.status_code == 200
    assert set(allowed.json()) == {"items", "next_cursor", "has_more"}


async def test_limit_and_kind_are_validated(service_client, make_token):
    token = make_token(scopes=["placement:read"])
    async with service_client("placement", create_app) as (client, _session):
        for params in ({"limit": 0}, {"limit": FEED_MAX_LIMIT + 1}, {"kind": "Employer Created"}):
            response = await client.get(FEED, params=params, headers=bearer(token))
            assert response.status_code == 422, params
            assert response.headers["content-type"] == PROBLEM
        params = {"limit": FEED_MAX_LIMIT, "kind": ["employer.created"]}
        fine = await client.get(FEED, params=params, headers=bearer(token))
    assert fine.status_code == 200


FOLLOWERS = {
    "county NCO staff": {"roles": ["staff"], "department": "nco"},
    "county NCO viewer": {"roles": ["viewer"], "department": "nco"},
    "county human resources staff": {"roles": ["staff"], "department": "human_resources"},
    "the reporting service": {
        "roles": ["service"],
        "kind": "client",
        "department": "it",
        "scopes": ["reporting:read", "registry:read", "placement:read", "subsidy:read"],
    },
    "the subsidy service": {
        "roles": ["service"],
        "kind": "client",
        "department": "it",
        "scopes": ["subsidy:read", "placement:read", "registry:read"],
    },
}
NOT_FOLLOWERS = {
    "township staff": {"roles": ["staff"], "department": "township", "jurisdiction": "shapu"},
    "township viewer": {"roles": ["viewer"], "department": "township", "jurisdiction": "shapu"},
    "township auditor": {"roles": ["auditor"], "department": "township", "jurisdiction": "shapu"},
    "township admin": {"roles": ["admin"], "department": "township", "jurisdiction": "shapu"},
    "county finance staff": {"roles": ["staff"], "department": "finance"},
    "county justice staff": {"roles": ["staff"], "department": "justice"},
    "county police staff": {"roles": ["staff"], "department": "police"},
    "county IT admin": {"roles": ["admin"], "department": "it"},
    "county finance auditor": {"roles": ["auditor"], "department": "finance"},
    "an employer's integration client": {
        "roles": ["integration"],
        "kind": "client",
        "department": None,
        "scopes": ["placement:read", "placement:write"],
        "emp": str(uuid.uuid4()),
    },
    "an employer's client whose token also names a department": {
        "roles": ["integration"],
        "kind": "client",
        "department": "nco",
        "scopes": ["placement:read", "placement:write"],
        "emp": str(uuid.uuid4()),
    },
    "a township's integration client": {
        "roles": ["integration"],
        "kind": "client",
        "department": "township",
        "jurisdiction": "shapu",
        "scopes": ["placement:read"],
    },
}


@pytest.mark.parametrize("caller", FOLLOWERS)
async def test_county_wide_followers_of_placements_and_the_platforms_services_follow_the_feed(
    service_client, make_token, caller
):
    async with service_client("placement", create_app) as (client, _session):
        response = await client.get(FEED, headers=bearer(make_token(**FOLLOWERS[caller])))
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("caller", NOT_FOLLOWERS)
async def test_no_township_caller_no_department_without_placements_and_no_employer_follows_the_feed(
    service_client, make_token, caller
):
    """The feed carries every township's person ids with their township (issue 8): a township's staff, any
    department that may not read placements and any employer's system read none of it."""
    async with service_client("placement", create_app) as (client, _session):
        response = await client.get(FEED, headers=bearer(make_token(**NOT_FOLLOWERS[caller])))
    assert response.status_code == 403, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "no_placement_access"


async def test_a_township_follower_refused_today_would_have_read_another_townships_people(
    live, make_token, database_url
):
    """What the refusal protects: a committed hand-over of a person of Dapu is on the feed for the county (the event
    is written raw, about the test's employer so that the fixture deletes it), and a Shapu staff member who asks
    gets a refusal, not that person's id."""
    start = await live.end_of_feed()
    person_id = uuid.uuid4()
    created = (await live.create(employer())).json()
    engine = create_async_engine(database_url("placement"))
    async with engine.begin() as conn:
        await conn.execute(
            outbox.table.insert().values(
                kind="handover.opened",
                aggregate_type="handover",
                aggregate_id=uuid.UUID(created["id"]),
                data={"person_id": str(person_id), "jurisdiction_code": "dapu"},
            )
        )
    await engine.dispose()

    _items, _, raw = await live.follow(start, until_event_for=created["id"])
    assert str(person_id) in raw

    shapu = make_token(roles=["staff"], department="township", jurisdiction="shapu")
    refused = await live.client.get(FEED, params={"after": start} if start else {}, headers=bearer(shapu))
    assert refused.status_code == 403
    assert str(person_id) not in refused.text
