"""What placement's trail holds about people, through the API: contracts corrected and ended, follow-ups, trainings
completed, businesses renamed, hand-overs closed; then the raw audit rows are searched for each personal value sent
(business names, licence, contract and certificate numbers, lenders, notes), and the jurisdictions rows were given
from the people's records decide what a township auditor reads."""

from datetime import date, timedelta

import httpx
import pytest
from sqlalchemy import text

from placement.main import create_app
from tests.conftest import _isolated_client, _settings
from tests.placement.placements.conftest import contract, placement_body
from tests.placement.placements.fakes import FakeRegistry
from tests.placement.registry_feed.feed import FakeFeed, catch_up
from tests.rows import last_audit_id, operations_since, trail_since


@pytest.fixture
async def api_and_db(database_url, jwks_fetcher):
    url = database_url("placement")
    fake_registry = FakeRegistry()
    app = create_app(
        _settings("placement", url),
        jwks_fetcher=jwks_fetcher,
        registry_transport=httpx.MockTransport(fake_registry.handle),
    )
    async for api, db in _isolated_client(app, url):
        yield api, db, fake_registry


async def changes_of(db, since: int, operation: str) -> dict:
    return await db.scalar(
        text(
            "SELECT changes FROM audit_log WHERE id > :since AND operation = :operation AND outcome = 'success' "
            "ORDER BY id DESC LIMIT 1"
        ),
        {"since": since, "operation": operation},
    )


async def test_no_personal_value_sent_to_placement_is_copied_into_its_trail(api_and_db, auth):
    api, db, fake_registry = api_and_db
    since = await last_audit_id(db)

    async def call(method: str, url: str, *, expect: int, headers=None, **kwargs) -> httpx.Response:
        response = await api.request(method, url, headers=headers or auth(), **kwargs)
        assert response.status_code == expect, (url, response.text)
        return response

    employer = await call(
        "POST",
        "/api/v1/employers",
        json={"name": "审秘丝绸公司", "kind": "enterprise", "jurisdiction_code": "dapu"},
        expect=201,
    )
    employer_id = employer.json()["id"]
    person_id = fake_registry.add()
    start = date.today() - timedelta(days=200)
    created = await call(
        "POST",
        "/api/v1/placements",
        json=placement_body(
            person_id, employer_id, contract=contract(start, start + timedelta(days=365), number="PXY-SECRET-0001")
        ),
        expect=201,
    )
    url = f"/api/v1/placements/{created.json()['id']}"
    fixed = contract(start, start + timedelta(days=730), number="PXY-SECRET-0002", monthly_wage="2350")
    await call("PATCH", url, json={"contract": fixed}, headers=auth() | {"If-Match": '"1"'}, expect=200)
    await call(
        "PUT",
        f"{url}/follow-ups/3",
        json={"done_on": str(date.today()), "still_working": True},
        headers=auth() | {"If-Match": '"1"'},
        expect=200,
    )
    await call(
        "POST",
        f"{url}/end",
        json={"ended_on": str(date.today()), "reason": "resigned"},
        headers=auth() | {"If-Match": '"2"'},
        expect=200,
    )
    await call("GET", url, expect=200)

    recorded = await operations_since(db, since)
    for operation in (
        "placement.create",
        "placement.correct",
        "placement.follow_up.record",
        "placement.end",
        "placement.read",
    ):
        assert (operation, "success") in recorded, operation
    trail = await trail_since(db, since)
    for personal in ("PXY-SECRET-0001", "PXY-SECRET-0002", "审秘丝绸公司"):
        assert personal not in trail, personal
    # What it keeps: the codes, terms, amounts and dates of the contract and its end; the number only by name.
    corrected = await changes_of(db, since, "placement.correct")
    assert corrected["contract_number"] == {"old": "[redacted]", "new": "[redacted]"}
    assert corrected["monthly_wage"] == {"old": "2200.00", "new": "2350.00"}
    assert corrected["contract_term_months"]["new"] > corrected["contract_term_months"]["old"]
    assert await changes_of(db, since, "placement.end") == {
        "ended_on": {"old": None, "new": str(date.today())},
        "end_reason": {"old": None, "new": "resigned"},
    }


async def test_no_personal_value_of_trainings_businesses_or_hand_overs_is_copied(service_client, auth):
    async with service_client("placement", create_app) as (client, db):
        feed = FakeFeed()
        since = await last_audit_id(db)
        person = feed.person(jurisdiction_code="shapu")
        feed.measure(person, "community_rehabilitation", date.today() - timedelta(days=200))
        released = feed.person(jurisdiction_code="shapu")
        feed.isolation(released, began_days_ago=700, ended_days_ago=5)
        await catch_up(db, feed)

        async def call(method: str, url: str, *, expect: int, headers=None, **kwargs) -> httpx.Response:
            response = await client.request(method, url, headers=headers or auth(), **kwargs)
            assert response.status_code == expect, (url, response.text)
            return response

        business = {
            "person_id": str(person),
            "business_kind": "restaurant",
            "business_name": "审秘小吃店",
            "licence_number": "92450222MA5L0000X",
            "start_on": str(date.today() - timedelta(days=30)),
        }
        record = (await call("POST", "/api/v1/self-employments", json=business, expect=201)).json()
        rename = {"business_name": "审秘新小吃店", "licence_number": "92450222MA5L1111X"}
        await call(
            "PATCH",
            f"/api/v1/self-employments/{record['id']}",
            json=rename,
            headers=auth() | {"If-Match": '"1"'},
            expect=200,
        )
        loan = {
            "amount": "50000.00",
            "lender": "审秘信用社",
            "disbursed_on": str(date.today() - timedelta(days=20)),
            "maturity_on": str(date.today() + timedelta(days=700)),
            "annual_rate_percent": "4.35",
        }
        await call("POST", f"/api/v1/self-employments/{record['id']}/loans", json=loan, expect=201)

        course = {
            "title": "缫丝",
            "provider_kind": "employer",
            "provider_name": "审秘培训方",
            "skill": "缫丝",
            "hours": 40,
        }
        course_id = (await call("POST", "/api/v1/trainings/courses", json=course, expect=201)).json()["id"]
        session_body = {
            "course_id": course_id,
            "start_on": str(date.today() - timedelta(days=10)),
            "end_on": str(date.today() - timedelta(days=8)),
            "place": "审秘工作站",
        }
        session = (await call("POST", "/api/v1/trainings/sessions", json=session_body, expect=201)).json()
        enrolled = await call(
            "POST",
            f"/api/v1/trainings/sessions/{session['id']}/enrolments",
            json={"person_id": str(person)},
            expect=201,
        )
        await call(
            "POST",
            f"/api/v1/trainings/enrolments/{enrolled.json()['id']}/completion",
            json={"completed_on": str(date.today() - timedelta(days=8)), "certificate_number": "LC-SECRET-0315"},
            headers=auth() | {"If-Match": enrolled.headers["etag"]},
            expect=200,
        )

        (entry,) = (await call("GET", "/api/v1/handovers", expect=200)).json()["items"]
        await call(
            "POST",
            f"/api/v1/handovers/{entry['id']}/close",
            json={"reason": "other", "closed_on": str(date.today()), "note": "审秘去向说明"},
            headers=auth() | {"If-Match": '"1"'},
            expect=200,
        )

        recorded = await operations_since(db, since)
        for operation in (
            "self_employment.create",
            "self_employment.update",
            "self_employment.loan.create",
            "training.enrol",
            "training.complete",
            "handover.close",
        ):
            assert (operation, "success") in recorded, operation
        trail = await trail_since(db, since)
        for personal in (
            "审秘小吃店",
            "审秘新小吃店",
            "92450222MA5L0000X",
            "92450222MA5L1111X",
            "审秘信用社",
            "LC-SECRET-0315",
            "审秘去向说明",
            "审秘工作站",
        ):
            assert personal not in trail, personal
        assert (await changes_of(db, since, "handover.close"))["close_reason"] == {"old": None, "new": "other"}
        assert (await changes_of(db, since, "training.complete"))["certificate_number"] == {
            "old": None,
            "new": "[redacted]",
        }

        # Every row about these people carries their township, so Shapu's auditor reads them and Dapu's does not.
        jurisdictions = await db.scalar(
            text(
                "SELECT array_agg(DISTINCT j) FROM audit_log, unnest(jurisdictions) AS j "
                "WHERE id > :since AND resource_ids && CAST(:ids AS uuid[])"
            ),
            {"since": since, "ids": [person, released]},
        )
        assert jurisdictions == ["shapu"]

        async def trail_of(person_id, headers) -> list[str]:
            response = await client.get(
                "/api/v1/placement-audit-events", params={"person_id": str(person_id)}, headers=headers
            )
            assert response.status_code == 200, response.text
            return [e["operation"] for e in response.json()["items"]]

        assert await trail_of(person, auth("township", "dapu", roles=("auditor",))) == []
        seen = await trail_of(person, auth("township", "shapu", roles=("auditor",)))
        assert {"self_employment.create", "training.complete"} <= set(seen)
        assert "handover.close" in await trail_of(released, auth(roles=("auditor",)))
        assert await trail_of(released, auth("township", "dapu", roles=("auditor",))) == []
