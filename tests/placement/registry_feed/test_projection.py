"""The follower's effect on the local projection: people, their measure in force and eligibility, applied exactly
once with the cursor, stale and unreadable events handled, the registry being down survived."""

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from placement.handover.models import Handover
from placement.placements.models import Placement
from placement.registry_feed import service
from placement.registry_feed.follower import Follower
from placement.registry_feed.models import FeedCursor, ProjectedPerson
from placement.registry_feed.repository import FEED
from tests.placement.registry_feed.feed import FakeFeed, catch_up, transaction_in


async def projected(db, person_id) -> ProjectedPerson | None:
    return await db.scalar(
        select(ProjectedPerson).where(ProjectedPerson.person_id == person_id).execution_options(populate_existing=True)
    )


async def stored_cursor(db) -> str | None:
    return await db.scalar(select(FeedCursor.cursor).where(FeedCursor.feed == FEED))


async def test_a_person_under_community_rehabilitation_is_projected_as_eligible(db, feed):
    pid = feed.person(jurisdiction_code="shapu", birth_year=1988)
    feed.measure(pid, "community_rehabilitation", date.today() - timedelta(days=30))

    await catch_up(db, feed)

    person = await projected(db, pid)
    assert (person.jurisdiction_code, person.status, person.work_ability, person.birth_year) == (
        "shapu",
        "active",
        "able",
        1988,
    )
    assert (person.current_measure_kind, person.eligible_for_placement, person.version) == (
        "community_rehabilitation",
        True,
        1,
    )
    assert await stored_cursor(db) == "2"


@pytest.mark.parametrize(
    ("fields", "measure", "eligible"),
    [
        ({"work_ability": "unable"}, "community_detox", False),
        ({"work_ability": "partly"}, "community_detox", True),
        ({"birth_year": date.today().year - 61}, "community_detox", False),
        ({"birth_year": date.today().year - 15}, "community_detox", False),
        ({}, "compulsory_isolation", False),
        ({}, "voluntary_detox", False),
        ({"status": "archived"}, "community_detox", False),
    ],
)
async def test_eligibility_follows_the_registrys_definition(db, feed, fields, measure, eligible):
    pid = feed.person(**fields)
    feed.measure(pid, measure, date.today() - timedelta(days=10))
    await catch_up(db, feed)
    assert (await projected(db, pid)).eligible_for_placement is eligible


async def test_a_measure_ended_and_a_correction_change_the_measure_in_force(db, feed):
    pid = feed.person()
    first = feed.measure(pid, "community_detox", date.today() - timedelta(days=400))
    await catch_up(db, feed)
    assert (await projected(db, pid)).current_measure_kind == "community_detox"

    feed.measure(
        pid,
        "community_detox",
        date.today() - timedelta(days=400),
        event="measure.ended",
        measure_id=first,
        actual_end_on=date.today() - timedelta(days=5),
        end_reason="escalated_after_relapse",
    )
    feed.measure(pid, "compulsory_isolation", date.today() - timedelta(days=5))
    await catch_up(db, feed)
    person = await projected(db, pid)
    assert (person.current_measure_kind, person.eligible_for_placement) == ("compulsory_isolation", False)

    isolation = (await service.FeedRepository(db).episodes(pid))[-1].measure_id
    feed.measure(
        pid,
        "community_rehabilitation",
        date.today() - timedelta(days=5),
        event="measure.corrected",
        corrects_id=isolation,
    )
    await catch_up(db, feed)
    assert (await projected(db, pid)).current_measure_kind == "community_rehabilitation"


async def test_replaying_the_same_events_changes_nothing_and_the_cursor_only_moves_forward(db, feed):
    pid = feed.person()
    feed.isolation(pid, began_days_ago=700, ended_days_ago=3)
    await catch_up(db, feed)
    again = await service.step(transaction_in(db), feed.fetch, batch_size=200, today=date.today())
    assert (again.applied, again.has_more) == (0, False)
    assert feed.reads[-1] == "2"

    # The same events applied once more (as a second replica that read before the cursor moved would): no effect.
    for event in (await FakeFeed.fetch(feed, None, 200)).items:
        async with transaction_in(db)() as session:
            await service.apply_event(session, event, date.today())
    assert await db.scalar(select(func.count()).select_from(Handover).where(Handover.person_id == pid)) == 1
    assert await db.scalar(select(func.count()).select_from(ProjectedPerson)) >= 1


async def test_a_failure_in_the_middle_of_a_batch_applies_nothing_and_keeps_the_cursor(db, feed, monkeypatch):
    first = feed.person()
    second = feed.person()
    original = service.apply_person

    async def failing(session, event, data, today):
        if event.aggregate_id == second:
            raise RuntimeError("database went away")
        await original(session, event, data, today)

    monkeypatch.setattr(service, "apply_person", failing)
    with pytest.raises(RuntimeError):
        await service.step(transaction_in(db), feed.fetch, batch_size=200, today=date.today())
    assert await projected(db, first) is None
    assert await stored_cursor(db) is None

    monkeypatch.setattr(service, "apply_person", original)
    await catch_up(db, feed)
    assert await projected(db, first) is not None and await projected(db, second) is not None


async def test_a_batch_read_before_another_replica_moved_the_cursor_is_dropped(db, feed):
    pid = feed.person()
    await service.step(transaction_in(db), feed.fetch, batch_size=200, today=date.today())
    feed.person(pid, kind="person.updated", work_ability="unable", version=2)

    async def read_then_overtaken(after, limit):
        page = await feed.fetch(after, limit)
        await db.execute(update(FeedCursor).where(FeedCursor.feed == FEED).values(cursor="1-elsewhere"))
        return page

    result = await service.step(transaction_in(db), read_then_overtaken, batch_size=200, today=date.today())
    assert (result.applied, result.has_more) == (0, True)
    assert (await projected(db, pid)).work_ability == "able"
    assert await stored_cursor(db) == "1-elsewhere"


async def test_an_older_update_arriving_late_is_dropped_by_version(db, feed):
    pid = feed.person()
    feed.person(pid, kind="person.updated", work_ability="unable", version=3, fields=["work_ability"])
    feed.person(pid, kind="person.updated", work_ability="partly", version=2, fields=["work_ability"])
    await catch_up(db, feed)
    person = await projected(db, pid)
    assert (person.work_ability, person.version) == ("unable", 3)


async def test_unreadable_events_are_skipped_and_unknown_kinds_passed_over(db, feed):
    broken = uuid.uuid4()
    feed.add("person.created", broken, {"jurisdiction_code": "dapu", "status": "deleted"})
    feed.add("relapse.recorded", broken, {"occurred_on": "2026-01-01", "source": "drug_test"})
    feed.add("measure.created", broken, {"kind": "community_detox"})
    fine = feed.person()

    result = await service.step(transaction_in(db), feed.fetch, batch_size=200, today=date.today())

    assert (result.applied, result.skipped) == (4, 2)
    assert await projected(db, broken) is None
    assert await projected(db, fine) is not None
    assert await stored_cursor(db) == "4"


async def test_a_transfer_moves_the_person_and_their_records(db, feed):
    pid = feed.person(jurisdiction_code="dapu")
    feed.isolation(pid, began_days_ago=700, ended_days_ago=3)
    await catch_up(db, feed)
    db.add(
        Placement(
            person_id=pid,
            jurisdiction_code="dapu",
            route="flexible",
            working_pattern="part_time",
            start_on=date.today(),
        )
    )
    await db.flush()
    feed.person(
        pid,
        kind="person.transferred",
        jurisdiction_code="taiping",
        version=2,
        from_jurisdiction_code="dapu",
        to_jurisdiction_code="taiping",
        transfer_id=str(uuid.uuid4()),
    )
    await catch_up(db, feed)

    assert (await projected(db, pid)).jurisdiction_code == "taiping"
    handover = await db.scalar(
        select(Handover).where(Handover.person_id == pid).execution_options(populate_existing=True)
    )
    assert (handover.jurisdiction_code, handover.version) == ("taiping", 2)
    placement = await db.scalar(
        select(Placement).where(Placement.person_id == pid).execution_options(populate_existing=True)
    )
    assert (placement.jurisdiction_code, placement.version) == ("taiping", 2)


async def test_a_day_later_the_refresh_rederives_eligibility(db, feed):
    pid = feed.person()
    feed.measure(pid, "community_detox", date.today() + timedelta(days=1))
    await catch_up(db, feed)
    assert (await projected(db, pid)).eligible_for_placement is False

    refreshed = await service.refresh(transaction_in(db), today=date.today() + timedelta(days=1))

    assert refreshed >= 1
    person = await projected(db, pid)
    assert (person.eligible_for_placement, person.derived_on) == (True, date.today() + timedelta(days=1))


async def test_the_follower_survives_the_registry_being_down_and_catches_up(db, feed):
    pid = feed.person()
    feed.down = ConnectionError("registry unreachable")
    calls = 0
    original = feed.fetch

    async def flaky(after, limit):
        nonlocal calls
        calls += 1
        if calls == 3:
            feed.down = None
        return await original(after, limit)

    follower = Follower(transaction_in(db), flaky, batch_size=200, poll_seconds=1, max_backoff_seconds=0.01)
    result = await follower.poll_with_backoff()

    assert (follower.failures, result.applied) == (2, 1)
    assert await projected(db, pid) is not None
