"""Transactional outbox and the ordered event feed that other services and departments follow.

Writing: a service calls `Outbox.emit(session, ...)` in the transaction that makes a change, so the change and its
event commit or roll back together; there is no second write that can fail on its own. Each service keeps its own
table in its own database: `Outbox(outbox_table(Base.metadata))`, plus a migration that creates it.

Reading: `Outbox.read` (and the route `events_router` builds on it) returns the events after a cursor, in
(txid, id) order, without ever skipping one. Ordering by the identity `id` alone would skip some: ids are handed
out at INSERT, but transactions commit in another order. If A inserts id 7 and B inserts id 8 and commits first, a
reader polling in between sees 8, moves its cursor past it, and never sees 7 when A commits.

So each row also records `txid`, its top-level transaction's 64-bit id (`pg_current_xact_id()`; xid8 never wraps
around), and a read returns only rows with `txid` below a barrier: the oldest transaction that was still running
when the reading statement took its snapshot and may have written to this database. Every transaction with a
smaller id had finished (committed or rolled back), so whatever it committed is visible to that same statement,
and no row with such a txid can ever appear later. A cursor (txid, id) from one read is therefore final: every row
at or before it that will ever exist was there to be returned, and the next read continues strictly after it. No
event is lost and none is returned twice; a rolled-back transaction's events never appear.

The barrier (`_BARRIER`): the running transactions are the snapshot's `xip` list, server-wide (transaction ids are
shared by all databases of a server). Those that `pg_stat_activity` shows as belonging to a session of another
database cannot have written here and are left out; every other one, including any that has already ended
or that this role is not allowed to see, holds the barrier (the safe side). With none left the barrier is the
snapshot's xmax. So services sharing one PostgreSQL server do not hold back each other's feeds.

What this costs, and what it does not promise:
- The feed lags by the oldest writing transaction still running in this database: a long transaction or a session
  left "idle in transaction" after a write holds the feed back until it ends. Events are delayed, never lost.
  The reader's own transaction counts too, so a transaction never sees its own events in the feed. A role that
  may not see other roles' sessions in `pg_stat_activity` (without pg_read_all_stats) waits for every writer on
  the server, as if the databases were one.
- The order is transaction-id order (ids are assigned at a transaction's first write), then emit order within a
  transaction; it is not commit order. When two transactions change the same thing, the one that committed last
  comes first if it got its id first, so events of updates should carry the thing's version for consumers to
  drop stale ones.
- `at` is the emitting transaction's start time, so it need not increase along the feed.

What `data` may hold: the minimum a follower needs to decide whether to look closer, namely ids, codes, dates,
statuses and versions. Never a national ID number, a person's name, phone, address or contact details, and never
free-text notes: followers fetch details from the owning service, which checks who may see them. `emit` refuses
the usual personal keys (`PERSONAL_KEYS`) as a safety net, not as the rule. An event that must carry one of them
names it at its call site (`allow=`), e.g. the registry's registration events carry `birth_date` for the age rule
of reporting (docs/events/registry.md); every other event keeps the full net.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, NamedTuple

import orjson
from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic_core import to_jsonable_python
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    MetaData,
    Row,
    String,
    Table,
    Uuid,
    bindparam,
    func,
    insert,
    literal_column,
    select,
    text,
    tuple_,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import UserDefinedType

from shared.auth import require_scopes
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.openapi import resource_operation_id
from shared.pagination import DEFAULT_LIMIT, InvalidCursor, decode_position, encode_position

KIND_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$"
FEED_MAX_LIMIT = 1000
"""The largest page of a feed: a follower catching up on millions of events pays a request (token check, the
barrier's snapshot, a round trip) per page, so feeds allow larger pages than lists (shared.pagination's 200)."""

"""`<aggregate>.<what happened>`, e.g. `employer.created`, `placement.ended`."""

PERSONAL_KEYS = frozenset(
    {
        "name",
        "full_name",
        "id_number",
        "national_id",
        "national_id_number",
        "birth_date",
        "phone",
        "mobile",
        "address",
        "contact",
        "contact_name",
        "contact_phone",
        "guardian",
        "note",
        "notes",
    }
)
"""Keys `emit` refuses anywhere in `data`: what they usually hold is personal or free text."""

_TXID = re.compile(r"[0-9]{1,20}")
_MAX_XID8 = 2**64 - 1
_MAX_BIGINT = 2**63 - 1


class Xid8(UserDefinedType[int]):
    """PostgreSQL's 64-bit transaction id (asyncpg reads and writes it as an int)."""

    cache_ok = True
    render_bind_cast = True

    def get_col_spec(self, **kw: Any) -> str:
        return "xid8"


def outbox_table(metadata: MetaData) -> Table:
    """The events a service's changes wrote, in the transactions that made them.

    `data` is minimal: ids, codes, dates, statuses and versions. Never national ID numbers, people's names,
    contact details or notes (see the module docstring)."""
    return Table(
        "outbox_event",
        metadata,
        Column("id", BigInteger, Identity(always=True), primary_key=True),
        Column("txid", Xid8(), nullable=False, server_default=text("pg_current_xact_id()")),
        Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("kind", String(100), nullable=False),
        Column("aggregate_type", String(60), nullable=False),
        Column("aggregate_id", Uuid, nullable=False),
        Column("data", JSONB, nullable=False),
        Index("ix_outbox_event_txid_id", "txid", "id"),
    )


_BARRIER = literal_column(
    "(SELECT coalesce(min(x), pg_snapshot_xmax(pg_current_snapshot()))"
    " FROM pg_snapshot_xip(pg_current_snapshot()) AS x"
    " WHERE (x::text::numeric % 4294967296)::text NOT IN ("
    "SELECT backend_xid::text FROM pg_stat_activity"
    " WHERE backend_xid IS NOT NULL AND datname IS DISTINCT FROM current_database()))",
    type_=Xid8(),
)
"""The oldest transaction running at the statement's snapshot that may have written to this database (see the
module docstring); the xid8s of the snapshot are matched to the sessions' 32-bit `backend_xid` modulo 2^32."""
_OWN_TRANSACTION = literal_column("pg_current_xact_id_if_assigned()", type_=Xid8())
"""The reading transaction's own id (NULL before it has written anything). A transaction sees its own events even
when it is the newest one on the server: its id is then the snapshot's xmax (PostgreSQL's xmax is the newest
*completed* id + 1), so `txid < barrier` alone hid them. Only a transaction that writes events and reads the feed
in one go sees them (tests run each test's requests in one transaction); the services' own feed reads write no
events first, so what they return is unchanged."""


@dataclass(frozen=True, slots=True)
class OutboxEvent:
    id: int
    txid: int
    at: datetime
    kind: str
    aggregate_type: str
    aggregate_id: uuid.UUID
    data: dict[str, Any]

    @property
    def cursor(self) -> str:
        """The feed position just after this event."""
        return encode_position([str(self.txid), self.id])


class EventBatch(NamedTuple):
    events: list[OutboxEvent]
    next_cursor: str | None
    """The last returned position, or the `after` given when nothing new is ready (poll again with it)."""
    has_more: bool
    """More events were ready than `limit`: read again at once."""


def _personal_keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        found = {k for k in value if k in PERSONAL_KEYS}
        for item in value.values():
            found |= _personal_keys(item)
        return found
    if isinstance(value, list):
        return set().union(*(_personal_keys(item) for item in value))
    return set()


def checked_payload(kind: str, data: Mapping[str, Any], *, allow: frozenset[str] = frozenset()) -> dict[str, Any]:
    """`data` as the JSON an event stores, after the checks `Outbox.emit` makes (for writers that insert events in
    bulk): the kind's shape, and no personal key but those in `allow`."""
    if not re.fullmatch(KIND_PATTERN, kind):
        raise ValueError(f"Event kind {kind!r} is not `<aggregate>.<what happened>` in snake_case.")
    payload = to_jsonable_python(dict(data))
    personal = _personal_keys(payload) - allow
    if personal:
        raise ValueError(f"Event data must not carry personal details or notes: {sorted(personal)}.")
    return payload


def _position(after: str) -> tuple[int, int]:
    """(txid, id) from a cursor this module issued; InvalidCursor (400) for anything else."""
    txid, event_id = decode_position(after, 2)
    if not isinstance(txid, str) or not _TXID.fullmatch(txid) or int(txid) > _MAX_XID8:
        raise InvalidCursor("The cursor is not one this API issued.")
    if not isinstance(event_id, int) or isinstance(event_id, bool) or not 0 <= event_id <= _MAX_BIGINT:
        raise InvalidCursor("The cursor is not one this API issued.")
    return int(txid), event_id


class Outbox:
    """Writes events in the caller's transaction and reads them back as a gap-free, ordered feed."""

    def __init__(self, table: Table) -> None:
        self.table = table

    async def emit(
        self,
        session: AsyncSession,
        *,
        kind: str,
        aggregate_type: str,
        aggregate_id: uuid.UUID,
        data: Mapping[str, Any],
        allow: frozenset[str] = frozenset(),
    ) -> int:
        """Record an event in the session's transaction (it commits or rolls back with the change); its id.
        `allow`: keys of `PERSONAL_KEYS` this one event may carry (a documented exception, named where it is made)."""
        payload = checked_payload(kind, data, allow=allow)
        t = self.table
        return await session.scalar(
            insert(t)
            .values(kind=kind, aggregate_type=aggregate_type, aggregate_id=aggregate_id, data=payload)
            .returning(t.c.id)
        )

    async def read(
        self, session: AsyncSession, *, after: str | None, limit: int, kinds: list[str] | None = None
    ) -> EventBatch:
        """Up to `limit` events after the cursor `after` (None: from the start), oldest first, only of `kinds` if
        given. Only transactions that have all finished are read from (see the module docstring)."""
        rows = await self._rows_after(session, [self.table], after=after, limit=limit, kinds=kinds)
        events = [OutboxEvent(**row._mapping) for row in rows[:limit]]
        next_cursor = events[-1].cursor if events else after
        return EventBatch(events, next_cursor, has_more=len(rows) > limit)

    async def read_json(
        self, session: AsyncSession, *, after: str | None, limit: int, kinds: list[str] | None = None
    ) -> bytes:
        """The same batch as `read`, as the feed's JSON body (`EventFeed`), written by PostgreSQL: each item is built
        from the stored row there, `data` being the stored JSONB's own text, so nothing is decoded into Python
        objects and encoded again (a follower catching up on millions of events paid that per event, about a
        quarter of the whole pipeline's CPU). `at` is written as pydantic writes it (UTC, `Z`, microseconds only
        when there are some); `data` as JSONB writes it (the same values, JSONB's key order and spacing)."""
        t = self.table
        utc = "(at AT TIME ZONE 'UTC')"
        item = literal_column(
            "json_build_object('id', id, 'kind', kind, 'aggregate_type', aggregate_type, 'aggregate_id', "
            f"aggregate_id, 'at', to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN to_char({utc}, 'US') "
            f"= '000000' THEN '' ELSE '.' || to_char({utc}, 'US') END || 'Z', 'data', data)::text"
        )
        rows = await self._rows_after(session, [t.c.txid, t.c.id, item], after=after, limit=limit, kinds=kinds)
        page = rows[:limit]
        next_cursor = encode_position([str(page[-1][0]), page[-1][1]]) if page else after
        tail = {"next_cursor": next_cursor, "has_more": len(rows) > limit}
        return b'{"items":[' + ",".join(r[2] for r in page).encode() + b"]," + orjson.dumps(tail)[1:]

    async def _rows_after(
        self, session: AsyncSession, columns: Sequence[Any], *, after: str | None, limit: int, kinds: list[str] | None
    ) -> Sequence[Row[Any]]:
        """`columns` of up to `limit` + 1 events after the cursor `after` (None: from the start) in feed order, only
        of `kinds` if given and only of transactions that have all finished: the one more tells whether more
        follow."""
        if not 1 <= limit <= FEED_MAX_LIMIT:
            raise ValueError(f"limit must be between 1 and {FEED_MAX_LIMIT}.")
        t = self.table
        stmt = select(*columns).where((t.c.txid < _BARRIER) | (t.c.txid == _OWN_TRANSACTION))
        if after is not None:
            txid, event_id = _position(after)
            stmt = stmt.where(
                tuple_(t.c.txid, t.c.id)
                > tuple_(bindparam("after_txid", txid, type_=Xid8()), bindparam("after_id", event_id, BigInteger))
            )
        if kinds:
            stmt = stmt.where(t.c.kind.in_(kinds))
        return (await session.execute(stmt.order_by(t.c.txid, t.c.id).limit(limit + 1))).all()

    async def head(self, session: AsyncSession) -> str | None:
        """The cursor of the feed's end now (None: it has no event yet): every event that can still appear comes
        after it, since it is one of a transaction still running (at or above the barrier)."""
        t = self.table
        row = (
            await session.execute(
                select(t.c.txid, t.c.id).where(t.c.txid < _BARRIER).order_by(t.c.txid.desc(), t.c.id.desc()).limit(1)
            )
        ).first()
        return encode_position([str(row.txid), row.id]) if row else None

    @staticmethod
    def check_cursor(after: str) -> None:
        """InvalidCursor (400) unless `after` is a cursor of this feed."""
        _position(after)


EventKind = Annotated[str, StringConstraints(pattern=KIND_PATTERN, max_length=100)]


class EventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int = Field(
        description="The event's number in its service's outbox: unique, not the feed order.", examples=[1042]
    )
    kind: str = Field(description="What happened: `<aggregate>.<what happened>`.", examples=["employer.created"])
    aggregate_type: str = Field(description="The kind of thing that changed.", examples=["employer"])
    aggregate_id: uuid.UUID = Field(
        description="Id of the thing that changed; read its details from its own endpoint.",
        examples=["3f0e8a52-7c1d-4f7e-9d7b-2a4c5e6f7a8b"],
    )
    at: datetime = Field(
        description="Start of the transaction that made the change (RFC 3339); need not increase along the feed.",
        examples=["2026-11-29T08:30:00Z"],
    )
    data: dict[str, Any] = Field(
        description="Minimal facts: ids, codes, dates, statuses. Never ID numbers, names, contact details or notes.",
        examples=[
            {
                "employer_id": "3f0e8a52-7c1d-4f7e-9d7b-2a4c5e6f7a8b",
                "kind": "enterprise",
                "jurisdiction_code": "dapu",
                "is_qihang_enterprise": True,
            }
        ],
    )


class EventFeed(BaseModel):
    """A batch of the feed. Keep `next_cursor` and send it back as `after`: each event comes exactly once."""

    items: list[EventRead] = Field(description="The events after `after`, oldest first.")
    next_cursor: str | None = Field(
        description="Position after the last item; equal to `after` when nothing new is ready (poll again with it). "
        "Null only when the feed has nothing yet and no `after` was sent.",
        examples=["WyI3NDQyIiwxMDQyXQ"],
    )
    has_more: bool = Field(
        description="More events are ready now: ask again at once instead of waiting.", examples=[False]
    )


def events_router(outbox: Outbox, *, prefix: str, tag: str, scope: str, dependencies: Sequence[Any] = ()) -> APIRouter:
    """`GET {prefix}`: the service's event feed from `outbox`, for callers whose token carries `scope` (and who
    pass any further `dependencies`, e.g. a service's own rule on who may follow its feed)."""
    router = APIRouter(prefix=prefix, tags=[tag])

    @router.get(
        "",
        operation_id=resource_operation_id("list", prefix),
        dependencies=[Depends(require_scopes(scope)), *dependencies],
        responses=problem_responses(400, 403, 422),
        response_description="The next events, the cursor to continue from, and whether more are ready.",
        response_model=EventFeed,
    )
    async def list_events(
        session: SessionDep,
        after: Annotated[
            str | None,
            Query(
                max_length=512,
                description="`next_cursor` of your previous call; leave out to start from the beginning.",
                examples=["WyI3NDQyIiwxMDQyXQ"],
            ),
        ] = None,
        limit: Annotated[
            int, Query(ge=1, le=FEED_MAX_LIMIT, description=f"At most this many events (1-{FEED_MAX_LIMIT}).")
        ] = (DEFAULT_LIMIT),
        kind: Annotated[
            list[EventKind] | None,
            Query(
                max_length=20,
                description="Only these kinds (repeat the parameter for several); the cursor still moves only "
                "over what is returned.",
                examples=[["employer.created"]],
            ),
        ] = None,
    ) -> Response:
        """Follow the changes: the events after a cursor, in an order that never skips one."""
        # The body as PostgreSQL wrote it (Outbox.read_json); EventFeed stays the documented response.
        body = await outbox.read_json(session, after=after, limit=limit, kinds=kind)
        return Response(body, media_type="application/json")

    return router
