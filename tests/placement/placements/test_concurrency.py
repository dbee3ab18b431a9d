"""Headcount and the one-full-time-placement rule hold under concurrent requests. These run the app on real,
committed sessions (each request its own connection and transaction, as in production) and delete what they made."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from placement.config import Settings
from placement.main import create_app
from tests.placement.placements.conftest import EMPLOYERS, PLACEMENTS, POSTS, placement_body, post_body
from tests.placement.placements.fakes import FakeRegistry


@pytest.fixture
async def live(database_url, jwks_fetcher, make_token):
    url = database_url("placement")
    registry = FakeRegistry()
    app = create_app(
        Settings(database_url=url, environment="test", log_json=False),
        jwks_fetcher=jwks_fetcher,
        registry_transport=httpx.MockTransport(registry.handle),
    )
    headers = {"Authorization": f"Bearer {make_token(roles=['staff'], department='nco')}"}
    made: dict[str, list[str]] = {"employer": []}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client, headers, registry, made
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        for employer_id in made["employer"]:
            await _delete_employer_and_what_hangs_on_it(conn, employer_id)
    await engine.dispose()


async def _delete_employer_and_what_hangs_on_it(conn, employer_id: str) -> None:
    params = {"e": employer_id}
    ids = "SELECT id FROM placement WHERE employer_id = CAST(:e AS uuid)"
    posts = "SELECT id FROM job_post WHERE employer_id = CAST(:e AS uuid)"
    await conn.execute(
        text(f"DELETE FROM outbox_event WHERE aggregate_id IN ({ids}) OR aggregate_id IN ({posts})"), params
    )
    await conn.execute(text(f"DELETE FROM placement_follow_up WHERE placement_id IN ({ids})"), params)
    await conn.execute(text("DELETE FROM placement WHERE employer_id = CAST(:e AS uuid)"), params)
    await conn.execute(text("DELETE FROM job_post WHERE employer_id = CAST(:e AS uuid)"), params)
    await conn.execute(text("DELETE FROM outbox_event WHERE aggregate_id = CAST(:e AS uuid)"), params)
    # Whatever else the employers module keeps about an employer (contacts, designations ...), one level deep.
    referencing = await conn.execute(
        text(
            "SELECT cl.relname AS tbl, att.attname AS col FROM pg_constraint con "
            "JOIN pg_class cl ON cl.oid = con.conrelid "
            "JOIN pg_attribute att ON att.attrelid = con.conrelid AND att.attnum = con.conkey[1] "
            "WHERE con.contype = 'f' AND con.confrelid = 'employer'::regclass"
        )
    )
    for table, column in referencing.all():
        await conn.execute(text(f'DELETE FROM "{table}" WHERE "{column}" = CAST(:e AS uuid)'), params)
    await conn.execute(text("DELETE FROM employer WHERE id = CAST(:e AS uuid)"), params)


async def _employer(client, headers, made) -> str:
    response = await client.post(
        EMPLOYERS,
        json={"name": f"并发测试{uuid.uuid4().hex[:6]}", "kind": "enterprise", "jurisdiction_code": "dapu"},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    made["employer"].append(response.json()["id"])
    return response.json()["id"]


async def test_five_parallel_placements_on_a_post_with_three_places_fill_exactly_three(live):
    client, headers, registry, made = live
    employer_id = await _employer(client, headers, made)
    post = await client.post(POSTS, json=post_body(employer_id, headcount=3), headers=headers)
    assert post.status_code == 201, post.text
    people = [registry.add() for _ in range(5)]

    responses = await asyncio.gather(
        *(
            client.post(PLACEMENTS, json=placement_body(person_id, post_id=post.json()["id"]), headers=headers)
            for person_id in people
        )
    )

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201, 201, 201, 409, 409], [r.text for r in responses]
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"job_post_full"}
    after = (await client.get(f"{POSTS}/{post.json()['id']}", headers=headers)).json()
    assert (after["filled"], after["places_left"], after["status"]) == (3, 0, "filled")
    listed = await client.get(PLACEMENTS, params={"post_id": post.json()["id"]}, headers=headers)
    assert len(listed.json()["items"]) == 3


async def test_two_parallel_full_time_placements_of_one_person_leave_one(live):
    client, headers, registry, made = live
    employer_id = await _employer(client, headers, made)
    person_id = registry.add()

    responses = await asyncio.gather(
        *(client.post(PLACEMENTS, json=placement_body(person_id, employer_id), headers=headers) for _ in range(2))
    )

    assert sorted(r.status_code for r in responses) == [201, 409], [r.text for r in responses]
    assert [r.json()["code"] for r in responses if r.status_code == 409] == ["already_placed_full_time"]
