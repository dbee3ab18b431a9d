"""Placements: the registry check made with the caller's token, contracts and their terms, one active full-time
placement a person, endings and follow-ups, idempotency, and the events and audit rows they leave."""

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from tests.placement.placements.conftest import PLACEMENTS, POSTS, PROBLEM, contract, create_outcomes, placement_body


async def count(db, table: str) -> int:
    return (await db.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()


async def test_a_placement_keeps_the_contract_its_term_follow_ups_and_the_persons_jurisdiction(
    api, auth, new_employer, fake_registry, db
):
    employer_id = await new_employer()
    person_id = fake_registry.add(jurisdiction_code="shapu")
    nco = auth()

    response = await api.post(
        PLACEMENTS,
        json=placement_body(person_id, employer_id, contract=contract("2026-01-31", "2027-01-30")),
        headers=nco,
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["location"] == f"{PLACEMENTS}/{body['id']}"
    assert (body["jurisdiction_code"], body["route_label_zh"], body["status"]) == ("shapu", "集中安置", "active")
    assert body["contract"]["term_months"] == 12
    assert body["contract"]["monthly_wage"] == "2200.00"
    assert [(f["months"], f["due_on"]) for f in body["follow_ups"]] == [
        (3, "2026-04-30"),
        (6, "2026-07-31"),
        (12, "2027-01-31"),
    ]
    # The registry was asked with the caller's own token.
    assert fake_registry.calls[-1]["authorization"] == nco["Authorization"]
    assert fake_registry.calls[-1]["url"] == "http://127.0.0.1:8000/api/v1/persons/lookup"
    event = (
        await db.execute(
            text("SELECT kind, data FROM outbox_event WHERE aggregate_id = CAST(:id AS uuid)"), {"id": body["id"]}
        )
    ).one()
    assert event.kind == "placement.started"
    assert event.data["person_id"] == person_id and event.data["contract_term_months"] == 12
    audit = await create_outcomes(db, person_id)
    assert audit == ["success"]
    read = await api.get(f"{PLACEMENTS}/{body['id']}", headers=nco)
    assert read.json() == body and read.headers["etag"] == '"1"'


async def test_only_people_who_can_be_placed_are_placed(api, auth, new_employer, fake_registry, db):
    employer_id = await new_employer()
    released = fake_registry.add(current_measure=None, released_from_isolation_on=date(2026, 10, 1))
    cases = {
        fake_registry.add(work_ability="unable"): 409,
        fake_registry.add(current_measure="compulsory_isolation"): 409,
        fake_registry.add(current_measure=None): 409,
        fake_registry.add(status="archived"): 409,
        fake_registry.add(work_ability="partly"): 409,
        str(uuid.uuid4()): 404,
        released: 201,
        fake_registry.add(current_measure="community_detox"): 201,
    }
    for person_id, expected in cases.items():
        response = await api.post(PLACEMENTS, json=placement_body(person_id, employer_id), headers=auth())
        assert response.status_code == expected, (fake_registry.people.get(person_id), response.text)
        if expected != 201:
            assert response.headers["content-type"] == PROBLEM
            assert response.json()["code"] in ("person_not_placeable", "person_not_found")
    assert await count(db, "placement") == 2


async def test_a_partly_able_person_works_part_time_or_in_a_light_post(
    api, auth, new_employer, new_post, fake_registry
):
    employer_id = await new_employer()
    partly = fake_registry.add(work_ability="partly")
    light = await new_post(employer_id, light_work=True)

    part_time = await api.post(
        PLACEMENTS, json=placement_body(partly, employer_id, working_pattern="part_time"), headers=auth()
    )
    in_light_post = await api.post(PLACEMENTS, json=placement_body(partly, post_id=light["id"]), headers=auth())

    assert part_time.status_code == 201, part_time.text
    assert in_light_post.status_code == 201, in_light_post.text
    assert in_light_post.json()["working_pattern"] == "full_time"


async def test_one_active_full_time_placement_per_person(api, auth, new_employer, fake_registry):
    employer_id = await new_employer()
    person_id = fake_registry.add()
    first = await api.post(PLACEMENTS, json=placement_body(person_id, employer_id), headers=auth())
    assert first.status_code == 201

    second = await api.post(PLACEMENTS, json=placement_body(person_id, employer_id), headers=auth())
    assert (second.status_code, second.json()["code"]) == (409, "already_placed_full_time")
    seasonal = await api.post(
        PLACEMENTS, json=placement_body(person_id, employer_id, working_pattern="seasonal"), headers=auth()
    )
    assert seasonal.status_code == 201

    ended = await api.post(
        f"{PLACEMENTS}/{first.json()['id']}/end",
        json={"ended_on": "2026-06-30", "reason": "resigned"},
        headers=auth() | {"If-Match": '"1"'},
    )
    assert ended.status_code == 200, ended.text
    again = await api.post(PLACEMENTS, json=placement_body(person_id, employer_id), headers=auth())
    assert again.status_code == 201


async def test_the_database_refuses_a_second_active_full_time_placement_whatever_the_code_does(
    api, auth, new_employer, fake_registry, db
):
    employer_id = await new_employer()
    person_id = fake_registry.add()
    assert (await api.post(PLACEMENTS, json=placement_body(person_id, employer_id), headers=auth())).status_code == 201
    with pytest.raises(IntegrityError, match="uq_placement_person_id_active_full_time"):
        async with db.begin_nested():
            await db.execute(
                text(
                    "INSERT INTO placement "
                    "(id, person_id, jurisdiction_code, route, working_pattern, start_on, version) "
                    "VALUES (gen_random_uuid(), CAST(:p AS uuid), 'dapu', 'flexible', 'full_time', '2026-02-01', 1)"
                ),
                {"p": person_id},
            )


async def test_routes_shape_what_a_placement_needs(api, auth, new_employer, new_post, fake_registry, db):
    employer_id = await new_employer()
    person_id = fake_registry.add()
    ordinary_post = await new_post(employer_id)
    refused = [
        placement_body(person_id, employer_id, contract=None),
        placement_body(person_id, None),
        placement_body(person_id, employer_id, contract=contract(end_on=None, open_ended=False)),
        placement_body(person_id, employer_id, contract=contract("2026-05-01", "2026-04-01")),
        placement_body(person_id, employer_id, start_on="2026-02-01"),
        placement_body(person_id, employer_id, route="abroad"),
        placement_body(person_id, employer_id, jurisdiction_code="dapu"),
        placement_body(person_id, route="public_welfare_post", post_id=ordinary_post["id"]),
        placement_body(person_id, str(uuid.uuid4()), post_id=ordinary_post["id"]),
        placement_body(person_id, post_id=ordinary_post["id"], working_pattern="part_time"),
    ]
    for body in refused:
        response = await api.post(PLACEMENTS, json=body, headers=auth())
        assert response.status_code == 422, (body, response.text)
        assert response.headers["content-type"] == PROBLEM
    unknown_employer = await api.post(PLACEMENTS, json=placement_body(person_id, str(uuid.uuid4())), headers=auth())
    assert (unknown_employer.status_code, unknown_employer.json()["code"]) == (404, "employer_not_found")
    self_employed = await api.post(
        PLACEMENTS, json={"person_id": person_id, "route": "self_employment", "start_on": "2026-03-01"}, headers=auth()
    )
    assert self_employed.status_code == 201, self_employed.text
    assert self_employed.json()["contract"] is None and self_employed.json()["employer_id"] is None
    open_ended = await api.post(
        PLACEMENTS,
        json=placement_body(fake_registry.add(), employer_id, contract=contract("2026-03-01", None)),
        headers=auth(),
    )
    assert open_ended.json()["contract"] | {"term_months": "x"} == open_ended.json()["contract"] | {"term_months": "x"}
    assert (open_ended.json()["contract"]["open_ended"], open_ended.json()["contract"]["term_months"]) == (True, None)
    assert await count(db, "placement") == 2


async def test_a_retry_with_the_same_idempotency_key_returns_the_first_placement(
    api, auth, new_employer, fake_registry, db
):
    employer_id = await new_employer()
    person_id = fake_registry.add()
    headers = auth() | {"Idempotency-Key": "place-once"}

    first = await api.post(PLACEMENTS, json=placement_body(person_id, employer_id), headers=headers)
    retry = await api.post(PLACEMENTS, json=placement_body(person_id, employer_id), headers=headers)
    other_body = await api.post(
        PLACEMENTS, json=placement_body(person_id, employer_id, working_pattern="seasonal"), headers=headers
    )

    assert first.status_code == retry.status_code == 201
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.json() == first.json()
    assert (other_body.status_code, other_body.json()["code"]) == (422, "idempotency_key_reused")
    # The first create's two lookups (today, and the contract's start date); the retries ask nothing.
    assert [c["as_of"] for c in fake_registry.calls] == [None, "2026-01-01"]
    assert await count(db, "placement") == 1


async def test_ending_needs_if_match_a_coded_reason_and_happens_once(
    api, auth, new_employer, new_post, fake_registry, db
):
    employer_id = await new_employer()
    post = await new_post(employer_id, headcount=1)
    created = await api.post(PLACEMENTS, json=placement_body(fake_registry.add(), post_id=post["id"]), headers=auth())
    assert created.status_code == 201, created.text
    url = f"{PLACEMENTS}/{created.json()['id']}/end"
    assert (await api.get(f"{POSTS}/{post['id']}", headers=auth())).json()["status"] == "filled"

    body = {"ended_on": "2026-05-31", "reason": "relapse"}
    assert (await api.post(url, json=body, headers=auth())).status_code == 428
    assert (await api.post(url, json=body, headers=auth() | {"If-Match": '"7"'})).status_code == 412
    bad_reason = await api.post(url, json=body | {"reason": "bored"}, headers=auth() | {"If-Match": '"1"'})
    assert bad_reason.status_code == 422
    too_early = await api.post(url, json=body | {"ended_on": "2025-12-31"}, headers=auth() | {"If-Match": '"1"'})
    assert too_early.status_code == 422
    ended = await api.post(url, json=body, headers=auth() | {"If-Match": '"1"'})
    assert ended.status_code == 200, ended.text
    assert (ended.json()["status"], ended.json()["end_reason_label_zh"], ended.headers["etag"]) == (
        "ended",
        "复吸",
        '"2"',
    )
    again = await api.post(url, json=body, headers=auth() | {"If-Match": '"2"'})
    assert (again.status_code, again.json()["code"]) == (409, "placement_already_ended")
    freed = (await api.get(f"{POSTS}/{post['id']}", headers=auth())).json()
    assert (freed["status"], freed["filled"]) == ("open", 0)
    kinds = (
        await db.execute(text("SELECT kind FROM outbox_event WHERE kind LIKE 'placement.%' ORDER BY id"))
    ).scalars()
    assert list(kinds) == ["placement.started", "placement.ended"]


async def test_follow_ups_are_recorded_under_if_match_and_listed_while_due(api, auth, new_employer, fake_registry, db):
    employer_id = await new_employer()
    start = date.today() - timedelta(days=200)
    created = await api.post(
        PLACEMENTS,
        json=placement_body(fake_registry.add(), employer_id, contract=contract(start, start + timedelta(days=730))),
        headers=auth(),
    )
    placement_id = created.json()["id"]

    due = (await api.get(f"{PLACEMENTS}/follow-ups-due", headers=auth())).json()["items"]
    assert [(d["placement_id"], d["months"]) for d in due] == [(placement_id, 3), (placement_id, 6)]
    url = f"{PLACEMENTS}/{placement_id}/follow-ups"
    record = {"done_on": str(date.today()), "still_working": True}
    assert (await api.put(f"{url}/3", json=record, headers=auth())).status_code == 428
    done = await api.put(f"{url}/3", json=record, headers=auth() | {"If-Match": '"1"'})
    assert done.status_code == 200, done.text
    assert (done.json()["still_working"], done.headers["etag"]) == (True, '"2"')
    not_yet = await api.put(f"{url}/12", json=record, headers=auth() | {"If-Match": '"1"'})
    assert (not_yet.status_code, not_yet.json()["code"]) == (409, "follow_up_not_yet_due")
    four = await api.put(f"{url}/4", json=record, headers=auth() | {"If-Match": '"1"'})
    assert (four.status_code, four.json()["code"]) == (404, "follow_up_not_found")
    due = (await api.get(f"{PLACEMENTS}/follow-ups-due", headers=auth())).json()["items"]
    assert [d["months"] for d in due] == [6]
    later = (await api.get(f"{PLACEMENTS}/follow-ups-due", params={"as_of": "2099-01-01"}, headers=auth())).json()
    assert [d["months"] for d in later["items"]] == [6, 12]
    township = auth(department="township", jurisdiction="shapu")
    assert (await api.get(f"{PLACEMENTS}/follow-ups-due", headers=township)).json()["items"] == []
    event = (
        await db.execute(text("SELECT data FROM outbox_event WHERE kind = 'placement.follow_up_recorded'"))
    ).scalar_one()
    assert (event["months"], event["still_working"]) == (3, True)


async def test_a_placement_site_must_exist_and_be_run_with_the_placements_employer(
    api, auth, new_employer, fake_registry, db
):
    employer_id = await new_employer()
    other_employer = await new_employer(name="柳城县启航服装加工厂")
    site_id = uuid.uuid4()
    await db.execute(
        text(
            "INSERT INTO placement_site (id, employer_id, kind, mode, jurisdiction_code, name, designated_on, status, "
            "version) VALUES (:id, CAST(:e AS uuid), 'point', 'centralised', 'dapu', '启航安置点', '2026-01-01', "
            "'open', 1)"
        ),
        {"id": site_id, "e": employer_id},
    )

    unknown = await api.post(
        PLACEMENTS, json=placement_body(fake_registry.add(), employer_id, site_id=str(uuid.uuid4())), headers=auth()
    )
    mismatched = await api.post(
        PLACEMENTS, json=placement_body(fake_registry.add(), other_employer, site_id=str(site_id)), headers=auth()
    )
    from_site = await api.post(
        PLACEMENTS, json=placement_body(fake_registry.add(), None, site_id=str(site_id)), headers=auth()
    )

    assert (unknown.status_code, unknown.json()["code"]) == (404, "placement_site_not_found")
    assert (mismatched.status_code, mismatched.json()["code"]) == (422, "invalid_placement")
    assert from_site.status_code == 201, from_site.text
    assert (from_site.json()["site_id"], from_site.json()["employer_id"]) == (str(site_id), employer_id)


async def test_a_recorded_contract_is_corrected_under_if_match_and_the_change_audited(
    api, auth, new_employer, fake_registry, db
):
    employer_id = await new_employer()
    person_id = fake_registry.add()
    created = await api.post(PLACEMENTS, json=placement_body(person_id, employer_id), headers=auth())
    url = f"{PLACEMENTS}/{created.json()['id']}"
    fixed = contract(end_on="2027-06-30", number="PXY-2026-0002", monthly_wage="2350")

    assert (await api.patch(url, json={"contract": fixed}, headers=auth())).status_code == 428
    assert (await api.patch(url, json={}, headers=auth() | {"If-Match": '"1"'})).status_code == 422
    moved_start = await api.patch(
        url, json={"contract": contract("2026-02-01", "2027-06-30")}, headers=auth() | {"If-Match": '"1"'}
    )
    assert moved_start.status_code == 422
    dropped = await api.patch(url, json={"contract": None}, headers=auth() | {"If-Match": '"1"'})
    assert (dropped.status_code, dropped.json()["code"]) == (422, "invalid_placement")
    corrected = await api.patch(url, json={"contract": fixed}, headers=auth() | {"If-Match": '"1"'})

    assert corrected.status_code == 200, corrected.text
    body = corrected.json()
    assert (body["contract"]["term_months"], body["contract"]["monthly_wage"], body["version"]) == (18, "2350.00", 2)
    assert corrected.headers["etag"] == '"2"'
    changes = (
        await db.execute(
            text(
                "SELECT changes FROM audit_log WHERE operation = 'placement.correct' AND outcome = 'success' "
                "AND CAST(:p AS uuid) = ANY(resource_ids)"
            ),
            {"p": person_id},
        )
    ).scalar_one()
    assert changes["contract_term_months"] == {"old": 12, "new": 18}
    event = (
        await db.execute(
            text(
                "SELECT data FROM outbox_event WHERE kind = 'placement.corrected' AND aggregate_id = CAST(:id AS uuid)"
            ),
            {"id": body["id"]},
        )
    ).scalar_one()
    assert event["fields"] == ["contract_end_on", "contract_number", "contract_term_months", "monthly_wage"]
