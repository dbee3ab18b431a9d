"""The read model follows the three feeds: facts stored once per event (a replay adds nothing), cursors resume,
unreadable events are skipped, nothing personal is kept, a source that is down only makes its own data stale, the
precomputed counts equal the raw aggregate over the intervals, and a rebuild from zero gives the same figures."""

import asyncio
import uuid
from datetime import date

import pytest
from sqlalchemy import func, inspect, select, text, update

from reporting.readmodel import service
from reporting.readmodel.follower import Follower, ReadAhead
from reporting.readmodel.models import FeedCursor, PersonFact, SiteFact
from reporting.readmodel.repository import ReadModelRepository
from reporting.readmodel.rules import RuleConfig
from shared.outbox import FEED_MAX_LIMIT
from tests.reporting.feeds import Feeds, catch_up, transaction_in

D = date(2013, 12, 31)


@pytest.fixture
def feeds() -> Feeds:
    return Feeds()


def nonzero(counts: dict) -> dict:
    return {code: row for code, row in counts.items() if any(row.values())}


def county_population(feeds: Feeds) -> list[uuid.UUID]:
    people = [
        feeds.person(jurisdiction="dapu"),
        feeds.person(jurisdiction="dapu", birth_date=date(1997, 12, 31)),
        feeds.person(jurisdiction="shapu", measure="community_rehabilitation"),
        feeds.person(jurisdiction="shapu", work_ability="unable"),
        feeds.person(jurisdiction="mashan", registered_on=date(2014, 2, 1)),
    ]
    feeds.placement(people[0], date(2013, 3, 1))
    feeds.placement(people[2], date(2012, 3, 1), end_on=date(2013, 12, 30))
    feeds.transfer(people[1], "shapu", D)
    feeds.site("dapu", date(2012, 5, 15))
    return people


async def test_counts_follow_the_events_and_equal_the_raw_aggregate(reporting_session, feeds):
    county_population(feeds)
    await catch_up(reporting_session, feeds)
    repo = ReadModelRepository(reporting_session)
    for day in (date(2012, 12, 31), D, date(2014, 6, 30), date(2031, 1, 1)):
        assert nonzero(await repo.counts_on(day)) == nonzero(await repo.raw_counts_on(day))
    counts = await repo.counts_on(D)
    assert counts["dapu"]["on_record"] == 1 and counts["shapu"]["on_record"] == 3
    assert counts["dapu"]["eligible_placed"] == 1
    assert counts["shapu"]["eligible"] == 2 and counts["shapu"]["eligible_placed"] == 0
    assert "mashan" not in counts or counts["mashan"]["on_record"] == 0
    assert await repo.sites_on(D) == {"dapu": 1}


async def test_an_event_delivered_twice_adds_nothing(reporting_session, feeds):
    county_population(feeds)
    await catch_up(reporting_session, feeds)
    repo = ReadModelRepository(reporting_session)
    before = await repo.counts_on(D)
    facts = await reporting_session.scalar(select(func.count()).select_from(PersonFact))
    # The registry's whole feed again, as after a lost cursor or a replay: same events, same ids.
    for cursor in await repo.cursors():
        cursor.cursor = None
    await reporting_session.flush()
    await catch_up(reporting_session, feeds)
    assert await reporting_session.scalar(select(func.count()).select_from(PersonFact)) == facts
    assert await repo.counts_on(D) == before


async def test_the_cursor_resumes_after_what_was_applied(reporting_session, feeds):
    feeds.person()
    await catch_up(reporting_session, feeds)
    seen: list[str | None] = []
    original = feeds.feed["registry"].fetch

    async def spy(after, limit):
        seen.append(after)
        return await original(after, limit)

    feeds.person(jurisdiction="shapu")
    result = await service.step(transaction_in(reporting_session), "registry", spy, batch_size=200)
    assert seen == ["2"] and result.applied == 2


async def test_unreadable_events_are_skipped_and_the_rest_applied(reporting_session, feeds):
    feeds.feed["registry"].add("measure.created", uuid.uuid4(), {"kind": "community_detox"})  # no measure id or start
    feeds.person()
    await catch_up(reporting_session, feeds)
    counts = await ReadModelRepository(reporting_session).counts_on(D)
    assert counts["dapu"]["on_record"] == 1


async def test_only_ids_codes_dates_and_statuses_are_kept(reporting_session, feeds):
    feeds.person()
    await catch_up(reporting_session, feeds)
    columns = {c.name for c in inspect(PersonFact).columns}
    assert not columns & {"name", "full_name", "id_number", "phone", "address", "contact", "notes"}
    kept = (await reporting_session.execute(select(PersonFact))).scalars().all()
    assert all("覃" not in str(v) for row in kept for v in vars(row).values())


async def test_a_source_that_is_down_makes_only_its_own_data_stale(reporting_session, feeds):
    feeds.person()
    feeds.site("dapu", date(2012, 5, 15))
    feeds.feed["placement"].down = ConnectionError("placement unreachable")
    follower = Follower(transaction_in(reporting_session), feeds.fetchers(), RuleConfig(), max_backoff_seconds=0.01)
    await follower.poll_round()
    repo = ReadModelRepository(reporting_session)
    cursors = {c.feed: c for c in await repo.cursors()}
    assert cursors["registry"].caught_up_at is not None and cursors["registry"].last_error is None
    assert cursors["placement"].last_error.startswith("ConnectionError") and cursors["placement"].caught_up_at is None
    first_failure = cursors["placement"].last_error_at
    assert (await repo.counts_on(D))["dapu"]["on_record"] == 1
    assert await reporting_session.scalar(select(func.count()).select_from(SiteFact)) == 0
    # Failing since the first failure; back again, the error clears and the site arrives.
    follower.states["placement"].retry_at = 0
    await follower.poll_round()
    assert (await repo.lock_cursor("placement")).last_error_at == first_failure
    feeds.feed["placement"].down = None
    follower.states["placement"].retry_at = 0
    await follower.poll_round()
    placement = await repo.lock_cursor("placement")
    assert placement.last_error is None and placement.caught_up_at is not None
    assert await repo.sites_on(D) == {"dapu": 1}


async def test_a_rebuild_from_zero_gives_the_same_figures(reporting_session, feeds):
    county_population(feeds)
    await catch_up(reporting_session, feeds)
    repo = ReadModelRepository(reporting_session)
    before = {day: await repo.counts_on(day) for day in (date(2012, 12, 31), D)}
    await service.rebuild(reporting_session)
    assert nonzero(await repo.counts_on(D)) == {}
    await catch_up(reporting_session, feeds)
    assert {day: await repo.counts_on(day) for day in (date(2012, 12, 31), D)} == before


async def test_re_deriving_a_changed_person_replaces_their_contribution(reporting_session, feeds):
    person = feeds.person()
    await catch_up(reporting_session, feeds)
    feeds.off_register(person, date(2013, 6, 1), "died")
    await catch_up(reporting_session, feeds)
    repo = ReadModelRepository(reporting_session)
    assert (await repo.counts_on(date(2013, 5, 31)))["dapu"]["on_record"] == 1
    assert (await repo.counts_on(D))["dapu"]["on_record"] == 0
    assert nonzero(await repo.counts_on(D)) == nonzero(await repo.raw_counts_on(D)) == {}


async def test_first_version_events_are_read_with_the_days_they_were_recorded(reporting_session, feeds):
    """No schema_version: no registration date (the first measure's start stands in), the birth year only (age from
    1 January of it), a transfer and an archive on the day they were recorded."""
    person = uuid.uuid4()
    v1 = {"jurisdiction_code": "dapu", "status": "active", "work_ability": "able", "birth_year": 1997}
    feeds.feed["registry"].add("person.created", person, v1)
    feeds.measure(person, "community_detox", date(2013, 3, 1))
    await catch_up(reporting_session, feeds)
    repo = ReadModelRepository(reporting_session)
    assert (await repo.counts_on(date(2013, 2, 28))).get("dapu", {}).get("on_record", 0) == 0
    on_d = (await repo.counts_on(D))["dapu"]
    assert on_d["on_record"] == 1 and on_d["eligible"] == 1  # 16 from 2013-01-01
    feeds.at(feeds.feed["registry"].at.replace(year=2014, month=2, day=1))
    moved = v1 | {"jurisdiction_code": "shapu", "from_jurisdiction_code": "dapu", "to_jurisdiction_code": "shapu"}
    feeds.feed["registry"].add("person.transferred", person, moved | {"version": 2})
    await catch_up(reporting_session, feeds)
    assert (await repo.counts_on(D))["dapu"]["on_record"] == 1
    assert (await repo.counts_on(date(2014, 2, 1)))["shapu"]["on_record"] == 1


async def test_a_person_snapshot_replaces_what_came_before_it(reporting_session, feeds):
    """The registry's migration writes one person.snapshot per existing person: earlier first-version facts are
    replaced by what it lists, and events after it apply on top."""
    person = uuid.uuid4()
    v1 = {"jurisdiction_code": "dapu", "status": "active", "work_ability": "able", "birth_year": 1980}
    feeds.feed["registry"].add("person.created", person, v1)
    feeds.feed["registry"].add("person.archived", person, v1 | {"status": "archived"})  # undated: the recording day
    measure = feeds.measure(person, "community_detox", date(2011, 3, 1))
    snapshot = {
        "schema_version": 2,
        "person_id": str(person),
        "jurisdiction_code": "shapu",
        "status": "active",
        "version": 4,
        "registered_on": "2011-03-01",
        "gender": "male",
        "birth_year": 1980,
        "birth_date": "1980-05-04",
        "work_ability": "able",
        "work_ability_since": "2011-03-01",
        "measures": [
            {
                "measure_id": str(measure),
                "kind": "community_detox",
                "start_on": "2011-03-01",
                "planned_end_on": None,
                "actual_end_on": None,
                "end_reason": None,
                "corrects_id": None,
            }
        ],
        "relapses": [{"relapse_id": str(uuid.uuid4()), "occurred_on": "2012-02-01", "source": "drug_test"}],
        "register_changes": [],
        "work_ability_changes": [
            {"work_ability_change_id": str(uuid.uuid4()), "work_ability": "able", "effective_on": "2011-03-01"}
        ],
        "stays": [],
        "transfers": [
            {
                "transfer_id": str(uuid.uuid4()),
                "from_jurisdiction_code": "dapu",
                "to_jurisdiction_code": "shapu",
                "effective_on": "2013-06-01",
            }
        ],
    }
    feeds.feed["registry"].add("person.snapshot", person, snapshot)
    await catch_up(reporting_session, feeds)
    repo = ReadModelRepository(reporting_session)
    # The v1 archive is forgotten; the transfer of 2013-06-01 moves the person; the 2012 relapse restarts the clock.
    assert (await repo.counts_on(date(2013, 5, 31)))["dapu"]["on_record"] == 1
    assert (await repo.counts_on(D))["shapu"]["on_record"] == 1
    assert (await repo.counts_on(date(2015, 1, 31)))["shapu"]["consolidated"] == 0
    assert (await repo.counts_on(date(2015, 2, 1)))["shapu"]["consolidated"] == 1
    # After the snapshot, a dated death takes the person off.
    feeds.feed["registry"].add(
        "person.archived",
        person,
        snapshot
        | {
            "schema_version": 2,
            "effective_on": "2015-06-01",
            "reason_code": "died",
            "register_change_id": str(uuid.uuid4()),
            "status": "archived",
        },
    )
    await catch_up(reporting_session, feeds)
    assert (await repo.counts_on(date(2015, 6, 1))).get("shapu", {}).get("on_record", 0) == 0


async def read_model(session) -> dict[str, list[tuple]]:
    """Everything the read model holds, row by row (facts without their sequence numbers, counts without zero rows,
    cursors without their times and delivery counts): two read models built from the same events must be equal."""
    statements = {
        "person_facts": "SELECT feed, event_id, recorded_at, person_id, fact_type, fact_id, kind, status, reason, "
        "jurisdiction_code, work_ability, gender, start_on, end_on, birth_date, birth_year, corrects_id, for_drug_use "
        "FROM rm_person_fact",
        "site_facts": "SELECT feed, event_id, site_id, kind, jurisdiction_code, designated_on, closed_on "
        "FROM rm_site_fact",
        "subsidy_facts": "SELECT feed, event_id, fact_type, fact_id, amount, on_date FROM rm_subsidy_fact",
        "intervals": "SELECT person_id, valid_from, valid_to, jurisdiction_code, flags FROM rm_person_interval",
        "daily": "SELECT * FROM rm_daily_count",
        "monthly": "SELECT * FROM rm_monthly_count",
        "cursors": "SELECT feed, cursor FROM rm_feed_cursor",
        "dirty": "SELECT person_id FROM rm_dirty_person",
    }
    out = {}
    for name, statement in statements.items():
        rows = [tuple(r) for r in (await session.execute(text(statement))).all()]
        if name in ("daily", "monthly"):
            rows = [r for r in rows if any(r[2:])]
        out[name] = sorted(rows, key=repr)
    return out


def busy_county(feeds: Feeds) -> None:
    """The small county plus people whose events change what was derived for them (an end, a death, a transfer,
    placements), so a second derivation replaces intervals that share their keys with the first."""
    people = county_population(feeds)
    feeds.off_register(people[3], date(2013, 6, 1), "died")
    feeds.transfer(people[0], "mashan", date(2013, 1, 1))
    feeds.placement(people[1], date(2013, 1, 1), end_on=date(2013, 11, 30))
    feeds.subsidy(amount="12000.00", year=2013, paid_on=date(2014, 2, 1))


async def test_the_same_page_applied_twice_changes_nothing(reporting_session, feeds):
    """At-least-once delivery: a page delivered again (a replica that read the same cursor, a lost cursor) adds no
    fact, and deriving again changes no interval or count."""
    busy_county(feeds)
    await catch_up(reporting_session, feeds)
    before = await read_model(reporting_session)
    assert before["intervals"] and before["daily"] and before["subsidy_facts"]
    tx = transaction_in(reporting_session)
    for name, feed in feeds.feed.items():
        page = await feed.fetch(None, FEED_MAX_LIMIT)

        async def again(after, limit, page=page):
            return page

        # The cursor back at the start: the same page comes again and is applied again, in the same way.
        await reporting_session.execute(update(FeedCursor).where(FeedCursor.feed == name).values(cursor=None))
        result = await service.step(tx, name, again, batch_size=FEED_MAX_LIMIT)
        assert result.applied == len(feed.events) and not result.has_more
    # Everyone re-derived (their intervals replaced by equal ones, the counts changed by nothing).
    await reporting_session.execute(
        text("INSERT INTO rm_dirty_person (person_id) SELECT person_id FROM rm_person_fact ON CONFLICT DO NOTHING")
    )
    await service.derive_all_dirty(tx, RuleConfig(), batch_size=2)
    assert await read_model(reporting_session) == before


async def test_a_rebuild_gives_the_same_read_model(reporting_session, feeds):
    """Rebuild from zero: every fact, interval, count and cursor as before, whatever the page and batch sizes."""
    busy_county(feeds)
    await catch_up(reporting_session, feeds, batch=3)
    before = await read_model(reporting_session)
    await service.rebuild(reporting_session)
    assert all(not rows for rows in (await read_model(reporting_session)).values())
    await catch_up(reporting_session, feeds, batch=FEED_MAX_LIMIT)
    assert await read_model(reporting_session) == before


async def test_the_next_page_is_read_while_one_is_stored_and_the_read_model_is_the_same(reporting_session, feeds):
    """ReadAhead asks for page N+1 as soon as page N arrives; the follower's rounds then use it. The read model is
    row for row the one built without reading ahead, and a call for another cursor drops the page read ahead."""
    busy_county(feeds)
    asked: list[str | None] = []
    registry = feeds.feed["registry"]
    original = registry.fetch

    async def spy(after, limit):
        asked.append(after)
        return await original(after, limit)

    ahead = ReadAhead(spy)
    first = await ahead(None, 4)
    await asyncio.sleep(0)  # the read-ahead runs as soon as the loop is free
    assert asked == [None, first.next_cursor] and first.has_more
    # Another cursor than the page read ahead (a replica moved it): that page is dropped, the asked one fetched.
    again = await ahead(None, 4)
    assert [e.id for e in again.items] == [e.id for e in first.items] and asked[-1] is None

    fetchers = feeds.fetchers() | {"registry": spy}
    follower = Follower(transaction_in(reporting_session), fetchers, RuleConfig(), batch_size=4)
    while await follower.poll_round():
        pass
    with_read_ahead = await read_model(reporting_session)
    await service.rebuild(reporting_session)
    await catch_up(reporting_session, feeds, batch=4)
    assert await read_model(reporting_session) == with_read_ahead


async def test_derivation_workers_each_take_their_partition_and_build_the_same_read_model(reporting_session, feeds):
    """The service's follower with REPORTING_FOLLOWER_DERIVES=false only stores facts, and workers deriving a
    partition each (readmodel.deriver): every person is derived by the one worker of their partition, and the read
    model is row for row the one the follower builds deriving inline."""
    from reporting.config import Settings
    from reporting.readmodel import deriver
    from reporting.readmodel.follower import follower_of

    busy_county(feeds)
    await catch_up(reporting_session, feeds)
    before = await read_model(reporting_session)
    await service.rebuild(reporting_session)

    tx = transaction_in(reporting_session)
    assert follower_of(Settings(environment="test"), tx, feeds.fetchers()).derive  # the default derives inline
    follower = follower_of(
        Settings(environment="test", feed_batch_size=4, follower_derives=False), tx, feeds.fetchers()
    )
    while await follower.poll_round():
        pass
    dirty = set((await reporting_session.scalars(text("SELECT person_id FROM rm_dirty_person"))).all())
    assert dirty and not (await read_model(reporting_session))["intervals"]

    derived = await deriver.run(tx, RuleConfig(), (1, 3), batch_size=2, finish_when_idle=lambda: True)
    left = set((await reporting_session.scalars(text("SELECT person_id FROM rm_dirty_person"))).all())
    assert derived == len(dirty - left) == sum(1 for p in dirty if p.bytes[15] % 3 == 1)
    assert all(p.bytes[15] % 3 != 1 for p in left)
    for k in (0, 2):
        await deriver.run(tx, RuleConfig(), (k, 3), batch_size=2, finish_when_idle=lambda: True)
    assert await read_model(reporting_session) == before
    with pytest.raises(ValueError, match="partition"):
        await ReadModelRepository(reporting_session).take_dirty(5, (3, 3))


def test_a_partition_is_k_of_n():
    import argparse

    from reporting.readmodel.deriver import parse_partition

    assert parse_partition("1/4") == (1, 4)
    for bad in ("4/4", "x/2", "1", "0/300"):
        with pytest.raises(argparse.ArgumentTypeError):
            parse_partition(bad)
