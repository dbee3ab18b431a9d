"""The transactional outbox and its feed, against committed data on separate connections.

The usual rolled-back test transaction cannot show this: a transaction never sees its own events in the feed (its
own id holds the snapshot barrier), and concurrency needs transactions that really commit. These tests commit to
the placement test database, each under its own `aggregate_type`, and delete their rows afterwards.

The barrier is the oldest writing transaction running in the same database, so another test run sharing the
database can delay an event; the helpers wait for what a test expects (up to `WAIT_SECONDS`) instead of assuming
it is there.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import delete, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from placement.events import outbox
from placement.main import create_app
from shared.outbox import EventBatch, OutboxEvent
from shared.pagination import encode_position

WAIT_SECONDS = 30
PROBLEM = "application/problem+json"


@pytest.fixture
async def engine(database_url):
    engine = create_async_engine(database_url("placement"))
    yield engine
    await engine.dispose()


@pytest.fixture
async def aggregate_type(engine):
    """This test's own aggregate_type; its events are deleted when the test ends."""
    name = f"test_{uuid.uuid4().hex[:16]}"
    yield name
    async with engine.begin() as conn:
        await conn.execute(delete(outbox.table).where(outbox.table.c.aggregate_type == name))


async def emit(session: AsyncSession, aggregate_type: str, kind: str = "thing.happened") -> tuple[int, uuid.UUID]:
    """An event about a new thing, in the session's transaction: (event id, the thing's id)."""
    aggregate_id = uuid.uuid4()
    event_id = await outbox.emit(
        session, kind=kind, aggregate_type=aggregate_type, aggregate_id=aggregate_id, data={"thing_id": aggregate_id}
    )
    return event_id, aggregate_id


async def emit_committed(engine: AsyncEngine, aggregate_type: str, count: int = 1, kind: str = "thing.happened"):
    async with AsyncSession(engine) as session, session.begin():
        return [await emit(session, aggregate_type, kind) for _ in range(count)]


async def read(engine: AsyncEngine, after: str | None, limit: int = 200, kinds=None) -> EventBatch:
    """One poll, in its own transaction (so with a fresh snapshot), as a follower would."""
    async with AsyncSession(engine) as session, session.begin():
        return await outbox.read(session, after=after, limit=limit, kinds=kinds)


async def end_of_feed(engine: AsyncEngine) -> str | None:
    """The cursor after everything readable now: where this test's own events will start."""
    cursor, more = None, True
    while more:
        batch = await read(engine, cursor)
        cursor, more = batch.next_cursor, batch.has_more
    return cursor


async def oldest_running_transaction(engine: AsyncEngine) -> str:
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT datname, state, now() - xact_start AS age FROM pg_stat_activity "
                    "WHERE backend_xid IS NOT NULL ORDER BY xact_start LIMIT 1"
                )
            )
        ).first()
    return str(row)


async def follow(engine, after, aggregate_type, *, until, kinds=None):
    """Poll from `after` as a follower does, keeping this test's events, until `until(events)` holds.
    Returns the events and the last cursor."""
    events: list[OutboxEvent] = []
    cursor = after
    deadline = asyncio.get_running_loop().time() + WAIT_SECONDS
    while True:
        batch = await read(engine, cursor, limit=2, kinds=kinds)
        events += [e for e in batch.events if e.aggregate_type == aggregate_type]
        cursor = batch.next_cursor
        if until(events) and not batch.has_more:
            return events, cursor
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"the feed held back for {WAIT_SECONDS}s; oldest: {await oldest_running_transaction(engine)}")
        if not batch.has_more:
            await asyncio.sleep(0.05)


async def test_events_come_back_in_the_order_they_were_written_a_page_at_a_time(engine, aggregate_type):
    start = await end_of_feed(engine)
    first = await emit_committed(engine, aggregate_type, 3)
    second = await emit_committed(engine, aggregate_type, 2)
    written = [aggregate_id for _, aggregate_id in first + second]

    events, _ = await follow(engine, start, aggregate_type, until=lambda seen: len(seen) >= 5)

    assert [e.aggregate_id for e in events] == written
    assert [e.id for e in events] == sorted(e.id for e in events)
    assert events[0].txid == events[2].txid < events[3].txid == events[4].txid
    assert all(e.kind == "thing.happened" and e.data == {"thing_id": str(e.aggregate_id)} for e in events)


async def test_pages_report_has_more_and_a_cursor_that_continues_exactly_after_the_last_event(engine, aggregate_type):
    start = await end_of_feed(engine)
    written = [aggregate_id for _, aggregate_id in await emit_committed(engine, aggregate_type, 3)]
    await follow(engine, start, aggregate_type, until=lambda seen: len(seen) >= 3)

    page = await read(engine, start, limit=2)
    assert [e.aggregate_id for e in page.events] == written[:2]
    assert page.has_more is True
    last = page.events[-1]
    assert page.next_cursor == last.cursor == encode_position([str(last.txid), last.id])

    rest = await read(engine, page.next_cursor, limit=2)
    assert [e.aggregate_id for e in rest.events] == written[2:]
    assert rest.has_more is False

    nothing_new = await read(engine, rest.next_cursor, limit=2)
    assert nothing_new.events == [] and nothing_new.has_more is False
    assert nothing_new.next_cursor == rest.next_cursor


async def test_a_transaction_that_commits_late_is_not_skipped_by_a_reader_that_polled_in_between(
    engine, aggregate_type
):
    start = await end_of_feed(engine)
    async with AsyncSession(engine) as slow, AsyncSession(engine) as quick:
        await slow.begin()
        slow_id, slow_aggregate = await emit(slow, aggregate_type)
        async with quick.begin():
            quick_id, quick_aggregate = await emit(quick, aggregate_type)
        assert slow_id < quick_id  # ordering by id alone would now skip the slow one

        meanwhile = await read(engine, start)
        assert [e for e in meanwhile.events if e.aggregate_type == aggregate_type] == []
        assert meanwhile.next_cursor == start  # nothing new: the follower polls again with the same cursor

        await slow.commit()

    events, cursor = await follow(engine, meanwhile.next_cursor, aggregate_type, until=lambda seen: len(seen) >= 2)
    assert [(e.id, e.aggregate_id) for e in events] == [(slow_id, slow_aggregate), (quick_id, quick_aggregate)]
    assert events[0].txid < events[1].txid

    again = await read(engine, cursor)
    assert [e for e in again.events if e.aggregate_type == aggregate_type] == []


async def test_a_writing_transaction_in_another_database_does_not_hold_the_feed_back(
    engine, aggregate_type, database_url
):
    """Services may share one PostgreSQL server: a write left open in the registry's database is not this feed's
    business, while the same in this database is (the reader cannot know it did not write here)."""
    start = await end_of_feed(engine)
    elsewhere = create_async_engine(database_url("registry"))
    try:
        async with elsewhere.connect() as other:
            await other.execute(text("SELECT pg_current_xact_id()"))  # holds a transaction id, left open
            written = [aggregate_id for _, aggregate_id in await emit_committed(engine, aggregate_type)]

            events, _ = await follow(engine, start, aggregate_type, until=lambda seen: len(seen) >= 1)

            assert [e.aggregate_id for e in events] == written
            await other.rollback()
    finally:
        await elsewhere.dispose()

    async with AsyncSession(engine) as here:
        await here.begin()
        await here.execute(text("SELECT pg_current_xact_id()"))  # the same, in this database
        after = await end_of_feed(engine)
        held = [aggregate_id for _, aggregate_id in await emit_committed(engine, aggregate_type)]
        meanwhile = await read(engine, after)
        assert [e for e in meanwhile.events if e.aggregate_type == aggregate_type] == []
        await here.rollback()
    events, _ = await follow(engine, after, aggregate_type, until=lambda seen: len(seen) >= 1)
    assert [e.aggregate_id for e in events] == held


async def test_each_transactions_events_stay_together_even_when_their_ids_interleave(engine, aggregate_type):
    start = await end_of_feed(engine)
    async with AsyncSession(engine) as first, AsyncSession(engine) as second:
        await first.begin()
        await second.begin()
        first_a = await emit(first, aggregate_type)
        second_a = await emit(second, aggregate_type)
        first_b = await emit(first, aggregate_type)
        await second.commit()
        await first.commit()

    events, _ = await follow(engine, start, aggregate_type, until=lambda seen: len(seen) >= 3)

    assert [(e.id, e.aggregate_id) for e in events] == [first_a, first_b, second_a]


async def test_a_rolled_back_transactions_event_never_appears(engine, aggregate_type):
    start = await end_of_feed(engine)
    async with AsyncSession(engine) as session:
        await session.begin()
        _, rolled_back = await emit(session, aggregate_type)
        await session.rollback()
    (_, committed_after), *_ = await emit_committed(engine, aggregate_type)

    events, _ = await follow(
        engine, start, aggregate_type, until=lambda seen: committed_after in [e.aggregate_id for e in seen]
    )

    assert [e.aggregate_id for e in events] == [committed_after]
    assert rolled_back not in [e.aggregate_id for e in events]


async def test_kinds_filter_the_feed_and_the_cursor_stays_put_when_none_match(engine, aggregate_type):
    start = await end_of_feed(engine)
    created = await emit_committed(engine, aggregate_type, 1, kind="thing.created")
    await emit_committed(engine, aggregate_type, 1, kind="thing.ended")
    created += await emit_committed(engine, aggregate_type, 1, kind="thing.created")
    await follow(engine, start, aggregate_type, until=lambda seen: len(seen) >= 3)

    events, cursor = await follow(
        engine, start, aggregate_type, kinds=["thing.created"], until=lambda seen: len(seen) >= 2
    )
    assert [(e.kind, e.aggregate_id) for e in events] == [("thing.created", a) for _, a in created]
    assert (await read(engine, cursor, kinds=["thing.created"])).events == []

    none_match = await read(engine, start, kinds=["thing.moved"])
    assert none_match.events == [] and none_match.next_cursor == start


async def test_emit_refuses_personal_details_and_badly_formed_kinds(engine, aggregate_type):
    async with AsyncSession(engine) as session:
        for data in ({"name": "张三"}, {"person": {"id_number": "450222199001011234"}}, {"items": [{"notes": "x"}]}):
            with pytest.raises(ValueError, match="personal"):
                await outbox.emit(
                    session, kind="thing.happened", aggregate_type=aggregate_type, aggregate_id=uuid.uuid4(), data=data
                )
        for kind in ("created", "Thing.Created", "thing created", "thing."):
            with pytest.raises(ValueError, match="kind"):
                await outbox.emit(session, kind=kind, aggregate_type=aggregate_type, aggregate_id=uuid.uuid4(), data={})


BAD_CURSORS = [
    "not a cursor!",
    encode_position(["12"]),
    encode_position([12, 3]),
    encode_position(["12", "3"]),
    encode_position(["12", -1]),
    encode_position(["-12", 3]),
    encode_position(["12", True]),
    encode_position([str(2**64), 3]),
    encode_position(["12", 2**63]),
    encode_position(["١٢", 3]),
]


@pytest.mark.parametrize("cursor", BAD_CURSORS)
async def test_a_cursor_the_feed_did_not_issue_is_a_400_problem(service_client, make_token, cursor):
    async with service_client("placement", create_app) as (client, _session):
        response = await client.get(
            "/api/v1/placement-events",
            params={"after": cursor},
            headers={"Authorization": f"Bearer {make_token(scopes=['placement:read'])}"},
        )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "invalid_cursor"


async def test_the_last_possible_cursor_is_accepted_and_given_back_when_nothing_follows(service_client, make_token):
    last = encode_position([str(2**64 - 1), 2**63 - 1])
    async with service_client("placement", create_app) as (client, _session):
        headers = {"Authorization": f"Bearer {make_token(scopes=['placement:read'])}"}
        response = await client.get("/api/v1/placement-events", params={"after": last}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json() == {"items": [], "next_cursor": last, "has_more": False}


async def test_the_feeds_body_written_by_postgresql_says_what_the_events_serialised_by_pydantic_say(
    engine, aggregate_type
):
    """Outbox.read_json (the feed routes' body) against `read` through EventFeed, as the route answered before:
    the same items (ids, kinds, times to the microsecond, data), cursor and has_more, for pages of every size."""
    import json
    from datetime import UTC, datetime

    from shared.outbox import EventFeed, EventRead

    start = await end_of_feed(engine)
    async with AsyncSession(engine) as session, session.begin():
        await emit(session, aggregate_type)
        for at in (datetime(2013, 12, 31, 23, 59, 59, tzinfo=UTC), datetime(2014, 1, 1, 0, 0, 0, 120, tzinfo=UTC)):
            event_id = await outbox.emit(
                session,
                kind="thing.changed",
                aggregate_type=aggregate_type,
                aggregate_id=uuid.uuid4(),
                data={"n": 1.5, "乡镇": "大埔", "nested": {"list": [1, None, True]}, "quote": 'a "b"'},
            )
            await session.execute(
                outbox.table.update().where(outbox.table.c.id == event_id).values(at=at)  # a time of our own
            )
    await follow(engine, start, aggregate_type, until=lambda seen: len(seen) >= 3)
    for limit in (1, 2, 3, 1000):
        cursor, more = start, True
        while more:
            async with AsyncSession(engine) as session, session.begin():
                batch = await outbox.read(session, after=cursor, limit=limit)
                body = await outbox.read_json(session, after=cursor, limit=limit)
            expected = EventFeed(
                items=[EventRead.model_validate(e) for e in batch.events],
                next_cursor=batch.next_cursor,
                has_more=batch.has_more,
            ).model_dump_json()
            assert json.loads(body) == json.loads(expected)
            assert EventFeed.model_validate_json(body) == EventFeed.model_validate_json(expected)
            cursor, more = batch.next_cursor, batch.has_more
    async with AsyncSession(engine) as session, session.begin():
        nothing = json.loads(await outbox.read_json(session, after=cursor, limit=5))
    assert nothing == {"items": [], "next_cursor": cursor, "has_more": False}
