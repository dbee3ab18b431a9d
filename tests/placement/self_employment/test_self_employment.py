"""Self-employment (自主创业) and its small guaranteed loans: creates with Idempotency-Key, updates with If-Match,
jurisdiction isolation, department policy, events without personal details, audit, and the loans with their
interest-bearing days in a year for the interest subsidy."""

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import text

from tests.placement.registry_feed.feed import catch_up

URL = "/api/v1/self-employments"
PROBLEM = "application/problem+json"


def body(person_id, **overrides):
    return {
        "person_id": str(person_id),
        "business_kind": "restaurant",
        "business_name": "启航小吃店",
        "licence_number": "92450222MA5L1234X",
        "start_on": str(date.today() - timedelta(days=30)),
    } | overrides


def loan(**overrides):
    return {
        "amount": "50000.00",
        "lender": "柳城县农村信用合作联社",
        "disbursed_on": "2025-03-01",
        "maturity_on": "2027-03-01",
        "annual_rate_percent": "4.35",
    } | overrides


async def person(db, feed, **fields):
    pid = feed.person(**fields)
    feed.measure(pid, "community_rehabilitation", date.today() - timedelta(days=200))
    await catch_up(db, feed)
    return pid


async def test_records_a_business_with_the_persons_jurisdiction_and_reads_it_back(client, db, feed, auth):
    pid = await person(db, feed, jurisdiction_code="liutang")
    created = await client.post(URL, json=body(pid), headers=auth())
    assert created.status_code == 201, created.text
    record = created.json()
    assert (record["jurisdiction_code"], record["jurisdiction_name_zh"]) == ("liutang", "六塘镇")
    assert (record["business_kind_label_zh"], record["status"], record["status_label_zh"]) == (
        "小饭店",
        "active",
        "经营中",
    )
    assert (created.headers["location"], created.headers["etag"]) == (f"{URL}/{record['id']}", '"1"')
    assert (await client.get(f"{URL}/{record['id']}", headers=auth())).json() == record
    listed = await client.get(URL, params={"person_id": str(pid)}, headers=auth())
    assert [r["id"] for r in listed.json()["items"]] == [record["id"]]
    [(_kind, data)] = [
        tuple(r)
        for r in await db.execute(text("SELECT kind, data FROM outbox_event WHERE kind LIKE 'self_employment.%'"))
    ]
    assert data == {
        "self_employment_id": record["id"],
        "person_id": str(pid),
        "jurisdiction_code": "liutang",
        "business_kind": "restaurant",
        "start_on": record["start_on"],
    }


async def test_a_retry_with_the_same_idempotency_key_returns_the_first_record(client, db, feed, auth):
    pid = await person(db, feed)
    headers = auth() | {"Idempotency-Key": "se-1"}
    first = await client.post(URL, json=body(pid), headers=headers)
    again = await client.post(URL, json=body(pid), headers=headers)
    assert (again.status_code, again.headers.get("idempotent-replayed"), again.json()) == (201, "true", first.json())
    other = await client.post(URL, json=body(pid, business_name="另一家"), headers=headers)
    assert (other.status_code, other.json()["code"]) == (422, "idempotency_key_reused")
    assert len((await client.get(URL, headers=auth())).json()["items"]) == 1


async def test_bad_input_is_a_clear_422_and_writes_nothing(client, db, feed, auth):
    pid = await person(db, feed)
    for bad, field in [
        (body(pid, business_kind="factory"), "body.business_kind"),
        (body(pid, start_on=str(date.today() + timedelta(days=1))), "body.start_on"),
        (body(pid, jurisdiction_code="dapu"), "body.jurisdiction_code"),
        (body(pid, business_name=""), "body.business_name"),
    ]:
        response = await client.post(URL, json=bad, headers=auth())
        assert response.status_code == 422, bad
        assert response.headers["content-type"] == PROBLEM
        assert field in [e["field"] for e in response.json()["errors"]]
    unknown = await client.post(URL, json=body(uuid.uuid4()), headers=auth())
    assert (unknown.status_code, unknown.json()["code"]) == (404, "person_not_found")
    assert (await client.get(URL, headers=auth())).json()["items"] == []


async def test_updating_needs_if_match_and_an_ended_business_stays_ended(client, db, feed, auth):
    pid = await person(db, feed)
    record = (await client.post(URL, json=body(pid), headers=auth())).json()
    url = f"{URL}/{record['id']}"
    rename = {"business_name": "启航快餐店"}
    assert (await client.patch(url, json=rename, headers=auth())).status_code == 428
    assert (await client.patch(url, json=rename, headers=auth() | {"If-Match": '"7"'})).status_code == 412
    renamed = await client.patch(url, json=rename, headers=auth() | {"If-Match": '"1"'})
    assert (renamed.status_code, renamed.json()["business_name"], renamed.headers["etag"]) == (200, "启航快餐店", '"2"')
    for bad in (
        {"status": "ended"},
        {"end_on": str(date.today())},
        {"status": "ended", "end_on": str(date.today() + timedelta(1))},
        {"status": "ended", "end_on": str(date.today() - timedelta(days=31))},
        {"business_name": None},
        {"person_id": str(uuid.uuid4())},
    ):
        response = await client.patch(url, json=bad, headers=auth() | {"If-Match": '"2"'})
        assert response.status_code == 422, bad
    ended = await client.patch(
        url, json={"status": "ended", "end_on": str(date.today())}, headers=auth() | {"If-Match": '"2"'}
    )
    assert (ended.status_code, ended.json()["status_label_zh"]) == (200, "已停业")
    again = await client.patch(url, json=rename, headers=auth() | {"If-Match": '"3"'})
    assert (again.status_code, again.json()["code"]) == (409, "self_employment_ended")
    kinds = [
        r[0]
        for r in await db.execute(text("SELECT kind FROM outbox_event WHERE kind LIKE 'self_employment.%' ORDER BY id"))
    ]
    assert kinds == ["self_employment.created", "self_employment.updated", "self_employment.ended"]


async def test_loans_and_their_interest_bearing_days_in_a_year(client, db, feed, auth, make_token):
    pid = await person(db, feed)
    record = (await client.post(URL, json=body(pid), headers=auth())).json()
    loans_url = f"{URL}/{record['id']}/loans"
    first = await client.post(loans_url, json=loan(), headers=auth())
    assert first.status_code == 201, first.text
    assert (first.json()["amount"], first.json()["annual_rate_percent"]) == ("50000.00", "4.3500")
    second = await client.post(
        loans_url, json=loan(amount="20000", disbursed_on="2026-07-01", maturity_on="2026-12-31"), headers=auth()
    )
    assert second.status_code == 201
    outside = await client.post(
        loans_url, json=loan(disbursed_on="2023-01-01", maturity_on="2024-01-01"), headers=auth()
    )
    assert outside.status_code == 201
    assert [x["amount"] for x in (await client.get(loans_url, headers=auth())).json()] == [
        "50000.00",
        "50000.00",
        "20000.00",
    ]

    subsidy = {
        "Authorization": "Bearer "
        + make_token(roles=["service"], kind="client", department="it", scopes=["placement:read"])
    }
    response = await client.get(f"{URL}/loans", params={"year": 2026}, headers=subsidy)

    assert response.status_code == 200, response.text
    got = {i["loan_id"]: i for i in response.json()["items"]}
    assert set(got) == {first.json()["id"], second.json()["id"]}
    assert (got[first.json()["id"]]["interest_days"], got[first.json()["id"]]["days_in_year"]) == (365, 365)
    assert got[second.json()["id"]]["interest_days"] == 183
    assert got[second.json()["id"]]["person_id"] == str(pid)
    in_2025 = (await client.get(f"{URL}/loans", params={"year": 2025}, headers=auth())).json()["items"]
    assert [(i["loan_id"], i["interest_days"]) for i in in_2025] == [(first.json()["id"], 306)]
    assert (
        await client.get(f"{URL}/loans", params={"year": 2025, "jurisdiction_code": "shapu"}, headers=auth())
    ).json()["items"] == []


async def test_loan_input_is_checked(client, db, feed, auth):
    pid = await person(db, feed)
    record = (await client.post(URL, json=body(pid), headers=auth())).json()
    loans_url = f"{URL}/{record['id']}/loans"
    for bad, field in [
        (loan(amount="0"), "body.amount"),
        (loan(amount="12.345"), "body.amount"),
        (loan(annual_rate_percent="100"), "body.annual_rate_percent"),
        (loan(maturity_on="2025-03-01"), "body.maturity_on"),
        (
            loan(
                disbursed_on=str(date.today() + timedelta(days=1)), maturity_on=str(date.today() + timedelta(days=400))
            ),
            "body.disbursed_on",
        ),
        (loan(subsidy="100.00"), "body.subsidy"),
    ]:
        response = await client.post(loans_url, json=bad, headers=auth())
        assert response.status_code == 422, bad
        assert field in [e["field"] for e in response.json()["errors"]], bad
    assert (await client.get(loans_url, headers=auth())).json() == []
    missing = await client.post(f"{URL}/{uuid.uuid4()}/loans", json=loan(), headers=auth())
    assert (missing.status_code, missing.json()["code"]) == (404, "self_employment_not_found")


async def test_self_employment_closes_a_pending_hand_over(client, db, feed, auth):
    pid = feed.person()
    feed.isolation(pid, began_days_ago=760, ended_days_ago=60)
    await catch_up(db, feed)
    assert len((await client.get("/api/v1/handovers", headers=auth())).json()["items"]) == 1
    await client.post(URL, json=body(pid), headers=auth())
    closed = (await client.get("/api/v1/handovers", params={"status": "closed"}, headers=auth())).json()["items"]
    assert [(h["close_reason"], h["closed_on"]) for h in closed] == [
        ("self_employed", str(date.today() - timedelta(days=30)))
    ]


async def test_township_staff_see_and_change_only_their_own_people(client, db, feed, auth):
    own = await person(db, feed, jurisdiction_code="dapu")
    other = await person(db, feed, jurisdiction_code="shapu")
    township = auth(department="township", jurisdiction="dapu")
    assert (await client.post(URL, json=body(own), headers=township)).status_code == 201
    refused = await client.post(URL, json=body(other), headers=township)
    assert (refused.status_code, refused.json()["code"]) == (404, "person_not_found")
    theirs = (await client.post(URL, json=body(other), headers=auth())).json()
    await client.post(f"{URL}/{theirs['id']}/loans", json=loan(), headers=auth())
    for response in (
        await client.get(f"{URL}/{theirs['id']}", headers=township),
        await client.patch(
            f"{URL}/{theirs['id']}", json={"business_name": "x"}, headers=township | {"If-Match": '"1"'}
        ),
        await client.get(f"{URL}/{theirs['id']}/loans", headers=township),
        await client.post(f"{URL}/{theirs['id']}/loans", json=loan(), headers=township),
    ):
        assert (response.status_code, response.json()["code"]) == (404, "self_employment_not_found")
    assert [r["person_id"] for r in (await client.get(URL, headers=township)).json()["items"]] == [str(own)]
    assert (await client.get(f"{URL}/loans", params={"year": 2026}, headers=township)).json()["items"] == []


async def test_reads_and_writes_are_audited_refusals_included(client, db, feed, auth):
    pid = await person(db, feed)
    record = (await client.post(URL, json=body(pid), headers=auth())).json()
    await client.get(f"{URL}/{record['id']}", headers=auth())
    await client.post(f"{URL}/{record['id']}/loans", json=loan(), headers=auth())
    await client.get(f"{URL}/{record['id']}", headers=auth(department="township", jurisdiction="shapu"))
    rows = (
        await db.execute(
            text("SELECT operation, outcome FROM audit_log WHERE operation LIKE 'self_employment.%' ORDER BY id")
        )
    ).all()
    assert [tuple(r) for r in rows] == [
        ("self_employment.create", "success"),
        ("self_employment.read", "success"),
        ("self_employment.loan.create", "success"),
        ("self_employment.read", "not_found"),
    ]


# department -> (create, list)
MATRIX = {
    "nco": (201, 200),
    "township": (201, 200),
    "human_resources": (201, 200),
    "industry_commerce": (201, 200),
    "finance": (403, 403),
    "police": (403, 403),
    "justice": (403, 403),
}


@pytest.mark.parametrize(("department", "expected"), MATRIX.items())
async def test_department_matrix(client, db, feed, auth, department, expected):
    pid = await person(db, feed)
    headers = auth(department=department, jurisdiction="dapu" if department == "township" else None)
    created = await client.post(URL, json=body(pid), headers=headers)
    listed = await client.get(URL, headers=headers)
    assert (created.status_code, listed.status_code) == expected
    if expected[0] == 403:
        assert created.json()["code"] == "no_self_employment_access"


async def test_a_viewer_reads_but_does_not_write(client, db, feed, auth):
    pid = await person(db, feed)
    viewer = auth(department="industry_commerce", roles=["viewer"])
    assert (await client.post(URL, json=body(pid), headers=viewer)).status_code == 403
    assert (await client.get(URL, headers=viewer)).status_code == 200


async def test_nothing_new_is_recorded_for_a_person_whose_record_is_archived(client, db, feed, auth):
    pid = await person(db, feed)
    feed.person(pid, kind="person.archived", status="archived", version=2)
    await catch_up(db, feed)
    response = await client.post(URL, json=body(pid), headers=auth())
    assert (response.status_code, response.json()["code"]) == (409, "person_archived")
    assert response.headers["content-type"] == PROBLEM
    assert (await client.get(URL, headers=auth())).json()["items"] == []
