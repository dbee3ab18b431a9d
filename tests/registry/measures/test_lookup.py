"""The batch lookup other services use: a few fields per person, placement eligibility, never names or ID numbers."""

import uuid
from datetime import date, timedelta

URL = "/api/v1/persons/lookup"


def service_token(make_token, **overrides):
    claims = {
        "roles": ["service"],
        "department": "it",
        "scopes": ["registry:read"],
        "kind": "client",
        "sub": "client:svc-placement",
        **overrides,
    }
    return {"Authorization": f"Bearer {make_token(**claims)}"}


async def test_eligibility_follows_the_measure_in_force_work_ability_and_age(
    registry, auth, make_token, person, add_measure
):
    start = date.today() - timedelta(days=100)
    on_rehab = await person(seq=801)
    assert (await add_measure(on_rehab, "community_rehabilitation", start)).status_code == 201
    isolated = await person(seq=803)
    assert (await add_measure(isolated, "compulsory_isolation", start)).status_code == 201
    unable = await person(seq=805, work_ability="unable", work_ability_reason="重病")
    assert (await add_measure(unable, "community_detox", start)).status_code == 201
    unknown = str(uuid.uuid4())

    response = await registry.post(
        URL, json={"ids": [on_rehab, isolated, unable, unknown]}, headers=service_token(make_token)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    found = {item["id"]: item for item in body["items"]}
    assert found[on_rehab]["current_measure"] == "community_rehabilitation"
    assert found[on_rehab]["eligible_for_placement"] is True
    assert found[isolated]["eligible_for_placement"] is False
    assert found[unable]["eligible_for_placement"] is False
    assert body["missing"] == [unknown]
    assert "working age" in body["eligibility_definition"]
    assert "管控" not in response.text and "450222" not in response.text


async def test_township_staff_get_only_their_own_people(registry, auth, person):
    dapu = await person(seq=811)
    shapu = await person(seq=813, jurisdiction_code="shapu")
    response = await registry.post(
        URL, json={"ids": [dapu, shapu]}, headers=auth(department="township", jurisdiction="dapu")
    )
    assert [i["id"] for i in response.json()["items"]] == [dapu]
    assert response.json()["missing"] == [shapu]


async def test_other_departments_clients_are_refused(registry, make_token, person):
    someone = await person(seq=821)
    finance_client = service_token(make_token, roles=["integration"], department="finance")
    assert (await registry.post(URL, json={"ids": [someone]}, headers=finance_client)).status_code == 403
    no_scope = service_token(make_token, scopes=["placement:read"])
    assert (await registry.post(URL, json={"ids": [someone]}, headers=no_scope)).status_code == 403


async def test_lookups_are_bounded_and_audited(registry, make_token, person, db):
    someone = await person(seq=831)
    too_many = await registry.post(
        URL, json={"ids": [str(uuid.uuid4()) for _ in range(201)]}, headers=service_token(make_token)
    )
    assert too_many.status_code == 422
    assert (await registry.post(URL, json={"ids": [someone]}, headers=service_token(make_token))).status_code == 200
    from sqlalchemy import text

    rows = (
        await db.execute(
            text(
                "SELECT actor_subject, outcome FROM audit_log WHERE operation = 'person.lookup' "
                "AND CAST(:pid AS uuid) = ANY(resource_ids)"
            ),
            {"pid": someone},
        )
    ).all()
    assert [tuple(r) for r in rows] == [("client:svc-placement", "success")]


async def test_as_of_a_past_day_every_fact_is_that_days(registry, auth, make_token, person, add_measure):
    """A 2013 contract is checked against 2013: the detox then in force, a detention inside it, a death later."""
    pid = await person(seq=841, registered_on="2012-01-10")
    assert (
        await add_measure(pid, "community_detox", "2012-03-01", actual_end_on="2015-03-01", end_reason="completed")
    ).status_code == 201
    stay = await registry.post(
        f"/api/v1/persons/{pid}/stays",
        json={"kind": "detention", "start_on": "2013-05-02", "end_on": "2013-05-17", "for_drug_use": True},
        headers=auth(),
    )
    assert stay.status_code == 201, stay.text
    died = await registry.post(
        f"/api/v1/persons/{pid}/register-changes",
        json={"kind": "left", "effective_on": "2016-08-01", "reason_code": "died"},
        headers=auth(),
    )
    assert died.status_code == 201, died.text

    async def on(day: str | None) -> dict:
        body = {"ids": [pid]} | ({"as_of": day} if day else {})
        response = await registry.post(URL, json=body, headers=service_token(make_token))
        assert response.status_code == 200, response.text
        return response.json()

    spring = await on("2013-03-01")
    item = spring["items"][0]
    assert (spring["as_of"], item["as_of"], spring["eligibility_version"]) == ("2013-03-01", "2013-03-01", "v2")
    assert "(v2) on 2013-03-01" in spring["eligibility_definition"]
    assert (item["on_record"], item["status"], item["measure_in_force"], item["current_measure"]) == (
        True,
        "active",
        "community_detox",
        "community_detox",
    )
    assert item["community_measure_in_force"] is True and item["in_custody_or_facility"] is False
    assert item["eligible_for_placement"] is True and item["age"] == 23
    assert item["measures"] == [
        {
            "kind": "community_detox",
            "start_on": "2012-03-01",
            "end_on": "2015-03-01",
            "end_reason": "completed",
            "planned_end_on": "2015-03-01",
        }
    ]
    detained = (await on("2013-05-10"))["items"][0]
    assert detained["community_measure_in_force"] is True  # the detention does not end the detox
    assert detained["in_custody_or_facility"] is True and detained["eligible_for_placement"] is False
    released = (await on("2013-05-17"))["items"][0]  # out on the day of release
    assert released["in_custody_or_facility"] is False and released["eligible_for_placement"] is True
    after = (await on("2015-03-01"))["items"][0]  # the end date belongs to what follows
    assert after["measure_in_force"] is None and after["eligible_for_placement"] is False
    dead = (await on("2016-08-01"))["items"][0]
    assert (dead["on_record"], dead["status"], dead["eligible_for_placement"]) == (False, "archived", False)
    today = await on(None)
    assert today["as_of"] == str(date.today()) and today["items"][0]["on_record"] is False


async def test_as_of_cannot_be_after_today(registry, make_token, person):
    pid = await person(seq=843)
    tomorrow = str(date.today() + timedelta(days=1))
    response = await registry.post(URL, json={"ids": [pid], "as_of": tomorrow}, headers=service_token(make_token))
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in response.json()["errors"]] == ["body.as_of"]
