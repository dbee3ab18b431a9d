"""What the placement service's follower (placement.registry_feed) needs from the registry's events: the person's
jurisdiction, status, work ability, birth year and record version (to drop an older event reaching it late), and each
measure episode's kind and dates. Codes and dates only: never a name, ID number or contact detail."""

from datetime import date, timedelta

from sqlalchemy import text

from tests.registry.measures import conftest as measures_fixtures

new_person = measures_fixtures.new_person
person = measures_fixtures.person
add_measure = measures_fixtures.add_measure


async def events_of(db, person_id: str) -> list[tuple[str, dict]]:
    rows = await db.execute(
        text("SELECT kind, data FROM outbox_event WHERE aggregate_id = CAST(:pid AS uuid) ORDER BY id"),
        {"pid": person_id},
    )
    return [(r.kind, r.data) for r in rows]


async def test_person_events_carry_what_the_projection_needs_and_updates_and_archiving_their_version(
    registry, db, auth, person
):
    pid = await person(seq=951, phone="13800000951")
    updated = await registry.patch(
        f"/api/v1/persons/{pid}",
        json={"work_ability": "partly", "work_ability_reason": "腿伤"},
        headers={**auth(), "If-Match": '"1"'},
    )
    assert updated.status_code == 200
    archived = await registry.post(f"/api/v1/persons/{pid}/archive", json={"reason": "迁出"}, headers=auth())
    assert archived.status_code == 200

    events = dict(await events_of(db, pid))

    assert {k: events["person.created"][k] for k in ("jurisdiction_code", "status", "work_ability", "birth_year")} == {
        "jurisdiction_code": "dapu",
        "status": "active",
        "work_ability": "able",
        "birth_year": 1990,
    }
    assert (events["person.updated"]["work_ability"], events["person.updated"]["version"]) == ("partly", 2)
    assert (events["person.archived"]["status"], events["person.archived"]["version"]) == ("archived", 3)
    assert archived.json()["version"] == 3
    for secret in ("管控951", "13800000951", "腿伤", "迁出"):
        assert secret not in str(events)


async def test_measure_events_carry_the_episode_kind_and_dates(registry, db, auth, person, add_measure):
    pid = await person(seq=952)
    start = date.today() - timedelta(days=800)
    end = date.today() - timedelta(days=10)
    measure = (await add_measure(pid, "compulsory_isolation", start)).json()
    ended = await registry.post(
        f"/api/v1/persons/{pid}/measures/{measure['id']}/end",
        json={"actual_end_on": str(end), "end_reason": "completed"},
        headers=auth(),
    )
    assert ended.status_code == 200, ended.text

    events = await events_of(db, pid)

    assert [kind for kind, _ in events] == [
        "person.created",
        "work_ability.changed",
        "measure.created",
        "measure.ended",
    ]
    assert events[3][1] == {
        "schema_version": 2,
        "person_id": pid,
        "jurisdiction_code": "dapu",
        "measure_id": measure["id"],
        "kind": "compulsory_isolation",
        "start_on": str(start),
        "planned_end_on": events[3][1]["planned_end_on"],
        "actual_end_on": str(end),
        "end_reason": "completed",
        "corrects_id": None,
    }


async def test_the_placement_services_client_may_follow_the_feed(registry, make_token):
    """svc-placement as the gateway issues it: role service, department it, county-wide, scopes of SERVICE_SCOPES."""
    token = make_token(
        roles=["service"], kind="client", department="it", jurisdiction=None, scopes=["placement:read", "registry:read"]
    )
    response = await registry.get("/api/v1/registry-events", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    integration = make_token(roles=["integration"], kind="client", department="it", scopes=["registry:read"])
    refused = await registry.get("/api/v1/registry-events", headers={"Authorization": f"Bearer {integration}"})
    assert refused.status_code == 403
