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
