"""Placement follows the registry's events: a death, a move out of the county, compulsory isolation or criminal
custody end the person's active placements with that reason (their last day the day before) and close their open
referrals, naming the feed event; follow-ups due after the end stop being due; an event delivered twice changes
nothing more. An administrative detention (拘留) or a hospital stay ends nothing (nor does it end the community
measure)."""

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import text

from tests.placement.placements.conftest import PLACEMENTS, REFERRALS, contract
from tests.placement.registry_feed.feed import FakeFeed, catch_up

START = date(2026, 1, 5)
ON = date(2026, 6, 1)


def archived(reason: str) -> tuple[str, dict]:
    data = {"jurisdiction_code": "dapu", "status": "archived", "work_ability": "able", "birth_year": 1990}
    return "person.archived", data | {"effective_on": str(ON), "reason_code": reason}


def measure(event: str, kind: str, start: date, end: date | None = None, reason: str | None = None) -> tuple:
    return event, {
        "measure_id": str(uuid.uuid4()),
        "kind": kind,
        "start_on": str(start),
        "planned_end_on": None,
        "actual_end_on": end and str(end),
        "end_reason": reason,
        "corrects_id": None,
    }


def stay(kind: str, start: date = ON, end: date | None = None) -> tuple:
    return "stay.recorded", {
        "stay_id": str(uuid.uuid4()),
        "kind": kind,
        "start_on": str(start),
        "end_on": end and str(end),
        "for_drug_use": False,
    }


CASES = {
    "died": (archived("died"), "died", True),
    "moved out of the county": (archived("moved_out_of_county"), "moved_away", True),
    "entered in error": (archived("entered_in_error"), None, False),
    "left for another reason": (archived("other"), None, False),
    "compulsory isolation": (measure("measure.created", "compulsory_isolation", ON), "compulsory_isolation", True),
    "custody measure": (measure("measure.created", "custody", ON), "custody", True),
    "measure ended by death": (
        measure("measure.ended", "community_rehabilitation", START - timedelta(days=30), ON, "death"),
        "died",
        True,
    ),
    "measure ended by a move": (
        measure("measure.ended", "community_rehabilitation", START - timedelta(days=30), ON, "moved_away"),
        "moved_away",
        True,
    ),
    "measure completed": (
        measure("measure.ended", "community_rehabilitation", START - timedelta(days=30), ON, "completed"),
        None,
        False,
    ),
    # Isolation that began and ended before the contract started: the placement is not touched.
    "isolation before the start": (
        measure("measure.created", "compulsory_isolation", START - timedelta(days=200), START - timedelta(days=1)),
        None,
        False,
    ),
    # Isolation already over today (recorded late): the placement ends, but an open referral stays open.
    "isolation over by today": (
        measure("measure.created", "compulsory_isolation", ON, ON + timedelta(days=30), "completed"),
        "compulsory_isolation",
        False,
    ),
    "criminal custody": (stay("criminal_custody"), "custody", True),
    "detention inside rehabilitation": (stay("detention", ON, ON + timedelta(days=10)), None, False),
    "hospital stay": (stay("hospital"), None, False),
}


@pytest.mark.parametrize(("event", "reason", "closes_referral"), CASES.values(), ids=CASES.keys())
async def test_a_registry_event_ends_placements_and_closes_referrals(
    api, auth, new_employer, new_post, fake_registry, db, event, reason, closes_referral
):
    employer_id = await new_employer()
    person_id = fake_registry.add()
    nco = auth()
    placed = await api.post(
        PLACEMENTS,
        json={"person_id": person_id, "route": "centralised", "employer_id": employer_id, "contract": contract(START)},
        headers=nco,
    )
    assert placed.status_code == 201, placed.text
    post = await new_post(employer_id, working_pattern="part_time")
    referred = await api.post(REFERRALS, json={"person_id": person_id, "post_id": post["id"]}, headers=nco)
    assert referred.status_code == 201, referred.text
    feed = FakeFeed()
    feed.person(uuid.UUID(person_id))
    kind, data = event
    feed.add(kind, uuid.UUID(person_id), data | {"schema_version": 2, "person_id": person_id})

    await catch_up(db, feed)

    read = (await api.get(f"{PLACEMENTS}/{placed.json()['id']}", headers=nco)).json()
    referral = (await api.get(f"{REFERRALS}/{referred.json()['id']}", headers=nco)).json()
    if reason is None:
        assert (read["status"], read["ended_by_registry_event"]) == ("active", None)
    else:
        assert (read["status"], read["ended_on"], read["end_reason"]) == ("ended", str(ON - timedelta(days=1)), reason)
        assert read["ended_by_registry_event"] == {"event_id": 2, "kind": kind}
        ended = (await db.execute(text("SELECT data FROM outbox_event WHERE kind = 'placement.ended'"))).scalar_one()
        assert (ended["ended_by_registry_event_id"], ended["end_reason"]) == (2, reason)
        assert ended["ended_on"] == str(ON - timedelta(days=1))
        assert ended["schema_version"] == 2
    if closes_referral:
        assert (referral["status"], referral["closed_by_registry_event_id"]) == ("declined", 2)
        assert referral["history"][-1]["by_subject"] == "registry-feed"
        assert referral["decline_reason"] == {"died": "person_died"}.get(reason, reason)
    else:
        assert (referral["status"], referral["closed_by_registry_event_id"]) == ("recommended", None)


async def test_an_event_delivered_twice_ends_once_and_follow_ups_after_the_end_stop_being_due(
    api, auth, new_employer, new_post, fake_registry, db
):
    employer_id = await new_employer()
    post = await new_post(employer_id, headcount=1)
    person_id = fake_registry.add()
    nco = auth()
    placed = await api.post(
        PLACEMENTS,
        json={"person_id": person_id, "route": "centralised", "post_id": post["id"], "contract": contract(START)},
        headers=nco,
    )
    assert placed.status_code == 201, placed.text
    feed = FakeFeed()
    feed.person(uuid.UUID(person_id))
    kind, data = archived("died")
    feed.add(kind, uuid.UUID(person_id), data)
    feed.events.append(dict(feed.events[-1]))  # the same event (same id) delivered again

    await catch_up(db, feed)

    read = (await api.get(f"{PLACEMENTS}/{placed.json()['id']}", headers=nco)).json()
    assert (read["end_reason"], read["ended_by_registry_event"]["event_id"], read["version"]) == ("died", 2, 2)
    kinds = (await db.execute(text("SELECT kind FROM outbox_event ORDER BY id"))).scalars().all()
    assert kinds.count("placement.ended") == 1 and kinds.count("job_post.place_freed") == 1
    # Follow-ups at 3 months (due 2026-04-05, before the death) stay due; those at 6 and 12 months do not.
    due = await api.get(f"{PLACEMENTS}/follow-ups-due", params={"as_of": "2027-12-31"}, headers=nco)
    assert due.status_code == 200, due.text
    assert [(f["placement_id"], f["months"]) for f in due.json()["items"]] == [(placed.json()["id"], 3)]
