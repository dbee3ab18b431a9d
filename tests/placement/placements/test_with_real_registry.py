"""Placement against the real registry app (in-process, its own test database), so the lookup contract the fake
imitates is checked too: the fields placement reads, the caller's token relayed, and the registry's own
jurisdiction rule."""

from datetime import date, timedelta

import pytest

from placement.main import create_app
from registry.main import create_app as create_registry_app
from tests.conftest import _isolated_client, _settings
from tests.placement.placements.conftest import PLACEMENTS, contract, placement_body
from tests.registry.persons.conftest import id_number

POSTS = "/api/v1/job-posts"


@pytest.fixture
async def both(service_client, database_url, jwks_fetcher):
    async with service_client("registry", create_registry_app) as (registry, _registry_session):
        url = database_url("placement")
        app = create_app(_settings("placement", url), jwks_fetcher=jwks_fetcher, registry_transport=registry._transport)
        async for placement, _session in _isolated_client(app, url):
            yield registry, placement


def bearer(make_token, **claims) -> dict:
    return {"Authorization": f"Bearer {make_token(roles=['staff'], **claims)}"}


async def registered(registry, headers, seq: int, measure: str, **fields) -> str:
    body = {
        "name": f"安置{seq}",
        "id_number": id_number(date(1990, 1, 1), seq),
        "work_ability": "able",
        "jurisdiction_code": "dapu",
        "confirm_not_duplicate": True,
        "registered_on": str(date.today() - timedelta(days=90)),
        **fields,
    }
    person = await registry.post("/api/v1/persons", json=body, headers=headers)
    assert person.status_code == 201, person.text
    start = str(date.today() - timedelta(days=60))
    measured = await registry.post(
        f"/api/v1/persons/{person.json()['id']}/measures", json={"kind": measure, "start_on": start}, headers=headers
    )
    assert measured.status_code == 201, measured.text
    return person.json()["id"]


async def test_placing_and_matching_with_the_real_registry_lookup(both, make_token):
    registry, placement = both
    nco = bearer(make_token, department="nco")
    on_rehab = await registered(registry, nco, 951, "community_rehabilitation", skills=["缫丝"])
    isolated = await registered(registry, nco, 953, "compulsory_isolation")
    employer = await placement.post(
        "/api/v1/employers",
        json={"name": "柳城县鹏鑫源茧丝绸公司", "kind": "enterprise", "jurisdiction_code": "dapu"},
        headers=nco,
    )
    post = await placement.post(
        POSTS,
        json={
            "employer_id": employer.json()["id"],
            "title": "缫丝工",
            "sector": "茧丝绸加工",
            "headcount": 2,
            "monthly_wage": "2200.00",
            "contract_type": "fixed_term",
            "working_pattern": "full_time",
            "required_skills": ["缫丝"],
            "opens_on": str(date.today() - timedelta(days=1)),
            "status": "open",
        },
        headers=nco,
    )
    assert post.status_code == 201, post.text

    suitable = await placement.get(f"{POSTS}/suitable-for/{on_rehab}", headers=nco)
    assert suitable.status_code == 200, suitable.text
    assert [(m["post"]["id"], m["matched_skills"]) for m in suitable.json()["items"]] == [(post.json()["id"], ["缫丝"])]
    refused = await placement.post(PLACEMENTS, json=placement_body(isolated, post_id=post.json()["id"]), headers=nco)
    assert (refused.status_code, refused.json()["code"]) == (409, "person_not_placeable")
    other_township = bearer(make_token, department="township", jurisdiction="shapu")
    hidden = await placement.post(
        PLACEMENTS, json=placement_body(on_rehab, post_id=post.json()["id"]), headers=other_township
    )
    assert (hidden.status_code, hidden.json()["code"]) == (404, "person_not_found")
    # The contract starts inside the measure (60 days ago): checked on that day by the registry's as-of lookup.
    start = date.today() - timedelta(days=30)
    placed = await placement.post(
        PLACEMENTS,
        json=placement_body(on_rehab, post_id=post.json()["id"], contract=contract(start, start + timedelta(days=364))),
        headers=bearer(make_token, department="township", jurisdiction="dapu"),
    )
    assert placed.status_code == 201, placed.text
    assert placed.json()["jurisdiction_code"] == "dapu"
    assert (placed.json()["eligibility_checked_on"], placed.json()["eligibility_rule"]) == (str(start), "placeable-v2")
    before = await placement.post(
        PLACEMENTS,
        json=placement_body(
            on_rehab,
            working_pattern="part_time",
            route="flexible",
            contract=None,
            start_on=str(start - timedelta(days=31)),
        ),
        headers=nco,
    )
    assert (before.status_code, before.json()["code"]) == (409, "person_not_placeable")
    assert "community_rehabilitation from" in before.json()["detail"]
