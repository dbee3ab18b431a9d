"""The registry writes an event for each change reporting follows, in the same transaction, with no personal
details; the feed is for county-wide followers only. (The feed's ordering is tested in tests/shared/test_outbox.py;
a transaction never sees its own events in the feed, so these tests read the outbox rows in the test's transaction.)"""

from datetime import date, timedelta

from sqlalchemy import text

FEED = "/api/v1/registry-events"


async def events_of(db, person_id: str) -> list[tuple[str, dict]]:
    rows = await db.execute(
        text("SELECT kind, data FROM outbox_event WHERE aggregate_id = CAST(:pid AS uuid) ORDER BY id"),
        {"pid": person_id},
    )
    return [(r.kind, r.data) for r in rows]


async def test_changes_write_events_without_personal_details(registry, db, auth, person, add_measure, add_test):
    start = date.today() - timedelta(days=60)
    pid = await person(seq=901, phone="13800000901", notes="家访记录")
    assert (
        await registry.patch(
            f"/api/v1/persons/{pid}", json={"education": "junior_high"}, headers={**auth(), "If-Match": '"1"'}
        )
    ).status_code == 200
    measure = await add_measure(pid, "community_rehabilitation", start)
    assert measure.status_code == 201
    assert (await add_test(pid, start + timedelta(days=10), result="positive", substance="heroin")).status_code == 201
    assert (await add_test(pid, start + timedelta(days=20))).status_code == 201
    archived = await registry.post(f"/api/v1/persons/{pid}/archive", json={"reason": "迁出"}, headers=auth())
    assert archived.status_code == 200

    events = await events_of(db, pid)
    assert [kind for kind, _ in events] == [
        "person.created",
        "work_ability.changed",
        "person.updated",
        "measure.created",
        "relapse.recorded",
        "person.archived",
    ]
    created = events[0][1]
    assert created == {
        "schema_version": 2,
        "person_id": pid,
        "jurisdiction_code": "dapu",
        "status": "active",
        "version": 1,
        "registered_on": "2010-01-01",
        "birth_date": "1990-01-01",
        "birth_year": 1990,
        "gender": "male",
        "work_ability": "able",
        "work_ability_since": "2010-01-01",
        "archived_on": None,
        "archive_reason_code": None,
    }
    assert (events[1][1]["work_ability"], events[1][1]["effective_on"]) == ("able", "2010-01-01")
    assert events[2][1]["fields"] == ["education"]
    assert events[3][1]["kind"] == "community_rehabilitation"
    positive_on = str(start + timedelta(days=10))
    relapse = events[4][1]
    assert relapse == {
        "schema_version": 2,
        "person_id": pid,
        "jurisdiction_code": "dapu",
        "relapse_id": relapse["relapse_id"],
        "occurred_on": positive_on,
        "source": "drug_test",
        "drug_test_id": relapse["drug_test_id"],
        "positive_test_on": positive_on,
    }
    archived_event = events[5][1]
    assert (archived_event["status"], archived_event["reason_code"], archived_event["effective_on"]) == (
        "archived",
        "other",
        str(date.today()),
    )
    # Every event is schema v2 and names the person and their jurisdiction; only the registration carries the birth
    # date (reporting's age rule needs it).
    assert all(
        d["schema_version"] == 2 and d["person_id"] == pid and d["jurisdiction_code"] == "dapu" for _, d in events
    )
    assert [kind for kind, d in events if "birth_date" in d] == ["person.created"]
    text_of_all = str(events)
    for secret in ("管控901", "13800000901", "家访", "heroin", "450222"):
        assert secret not in text_of_all


async def test_a_refused_change_writes_no_event(registry, db, auth, person):
    pid = await person(seq=911)
    stale = await registry.patch(
        f"/api/v1/persons/{pid}", json={"education": "college"}, headers={**auth(), "If-Match": '"7"'}
    )
    assert stale.status_code == 412
    assert [kind for kind, _ in await events_of(db, pid)] == ["person.created", "work_ability.changed"]


async def test_only_county_wide_followers_may_read_the_feed(registry, auth):
    assert (await registry.get(FEED, headers=auth())).status_code == 200
    township = await registry.get(FEED, headers=auth(department="township", jurisdiction="dapu"))
    assert township.status_code == 403
    assert (await registry.get(FEED, headers=auth(department="finance"))).status_code == 403
