"""An append-only, hash-chained audit trail of who read or changed whose data, kept in each service's own database:
`audit = AuditLog(audit_table(Base.metadata), ...)`, a migration that creates the table with its guard, and the
sealer (`sealer_hooks(audit)`) running in the service's lifespan.

Writing is one INSERT in the caller's transaction, so a write and its audit row commit or roll back together, and
nothing on the request path waits for another request: no lock, no read of the chain. The database numbers the row
(`id`), stamps it (`at`, to the millisecond) and records its top-level transaction (`txid`).

Chaining happens behind the requests. The sealer (`AuditLog.seal`, one process at a time under an advisory lock)
takes the unsealed rows of transactions that have all finished, in (txid, id) order, and gives each its place in the
chain: `seq` (1, 2, 3, ...), `prev_hash` (the hash of the row before it, GENESIS_HASH for the first) and
`hash` = sha256(prev_hash || canonical JSON of the row). Which transactions have finished is decided by the barrier
shared.outbox's feed uses (`_BARRIER`, explained there): every row of a transaction below it is visible and no new
one can appear. So a transaction that commits late holds sealing back until it ends and its rows then take their
place in txid order: never skipped, never sealed after a row that comes after them. Changing, removing or
reordering a sealed row breaks the chain at that row or the next one, and `AuditLog.verify` finds it.

The database guards the table (the migrations' trigger): rows cannot be deleted or truncated, an insert cannot come
sealed, and the only update allowed is the sealer's: seq, prev_hash and hash going from NULL to a value once, with
every other column unchanged. Unique `seq` and `prev_hash` mean the chain cannot fork.

An attempt that fails (`audited` / `refuse`) has its work rolled back to a savepoint and is recorded in the same
transaction, which is then committed although the request fails (shared.db.COMMIT_ON_ERROR).

What a row says about the people concerned (issue 8: the trail is not a second copy of the register):
- `changes` names every field changed, but keeps a value only for the fields a service lists as non-personal
  (`recorded_values`: codes, dates, statuses, versions, amounts, ids) and only when the value looks like one (a code,
  number, date, id, boolean): anything else, such as a name, address, reason or institution, is "[redacted]".
- `jurisdictions` are those of the people and records concerned when it happened: found by the database from the
  service's `jurisdiction_sources` (tables holding an id and its jurisdiction code), plus any the caller names.
  Township auditors read only their own jurisdiction's rows (shared.audit_api).

Rows written before the sealer existed (txid NULL) keep the hashes they were chained with, and the content that was
hashed then: see `canonical_content`.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import hashlib
import json
import logging
import math
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any, Literal, get_args

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ColumnElement,
    Identity,
    Index,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    any_,
    bindparam,
    func,
    insert,
    literal,
    select,
    text,
    union,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TIMESTAMP, UUID, aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql.dml import Insert

from shared.auth import Principal
from shared.db import COMMIT_ON_ERROR
from shared.errors import AppError, NotFound
from shared.logging import request_id_var
from shared.outbox import _BARRIER, Xid8
from shared.tasks import stop_task

Outcome = Literal["success", "denied", "not_found", "invalid", "error"]
ActorKind = Literal["user", "client", "system"]
OUTCOMES: tuple[str, ...] = get_args(Outcome)
ACTOR_KINDS: tuple[str, ...] = get_args(ActorKind)

GENESIS_HASH = "0" * 64
REDACTED = "[redacted]"
# Key of the transaction-level advisory lock a sealer holds while it seals: "qihangse" in ASCII. Advisory locks are
# per database, and every service has its own, so the services' sealers never wait for each other.
SEAL_LOCK_KEY = 0x7169_6861_6E67_7365
SEAL_BATCH_SIZE = 500
SEAL_IDLE_SECONDS = 0.2
"""Pause of the sealer once it has caught up: a row is sealed about this long after its transaction ends."""
SEAL_MAX_BACKOFF_SECONDS = 30.0
_VERIFY_BATCH = 1000
# What a recordable value may look like when it is text: a code, a number, a date or time, an id. No spaces, no
# Chinese: a name, an address, a reason or an institution never passes, even in a field listed as recordable.
_CODE_LIKE = re.compile(r"[A-Za-z0-9_.:+\-]{1,64}")
_SEAL_COLUMNS = ("seq", "prev_hash", "hash")
# The columns `AuditLog.record` writes itself (besides `jurisdictions`); the database fills id, txid and at.
_RECORD_COLUMNS = (
    "actor_subject",
    "actor_kind",
    "actor_name",
    "actor_roles",
    "actor_department",
    "actor_jurisdiction",
    "operation",
    "resource_type",
    "resource_ids",
    "changes",
    "outcome",
    "request_id",
)
logger = logging.getLogger("qihang.audit")


def principal_columns(prefix: str) -> list[Column[Any]]:
    """A principal as they were, kept in a row (the actor of an audit entry, the owner of an import job): subject,
    kind, name, roles, department and jurisdiction, each column named `<prefix>_<field>`."""
    return [
        Column(f"{prefix}_subject", Text, nullable=False),
        Column(f"{prefix}_kind", String(10), nullable=False),
        Column(f"{prefix}_name", Text, nullable=False),
        Column(f"{prefix}_roles", ARRAY(Text), nullable=False),
        Column(f"{prefix}_department", String(40)),
        Column(f"{prefix}_jurisdiction", String(40), comment="NULL means county-wide."),
    ]


def audit_table(metadata: MetaData) -> Table:
    """The audit trail: one row per audited read, write or refused attempt."""
    return Table(
        "audit_log",
        metadata,
        Column("id", BigInteger, Identity(always=True), primary_key=True),
        # Set by the database at insert (the guard trigger): the writing transaction, and the time to the millisecond.
        Column("txid", Xid8()),
        Column("at", TIMESTAMP(timezone=True, precision=3), nullable=False),
        *principal_columns("actor"),
        Column("operation", String(100), nullable=False),
        Column("resource_type", String(50), nullable=False),
        Column("resource_ids", ARRAY(UUID(as_uuid=True)), nullable=False),
        Column("jurisdictions", ARRAY(Text), nullable=False, server_default=text("'{}'")),
        Column("changes", JSONB(none_as_null=True)),
        Column("outcome", String(20), nullable=False),
        Column("request_id", String(128)),
        # Set once by the sealer.
        Column("seq", BigInteger),
        Column("prev_hash", String(64)),
        Column("hash", String(64)),
        CheckConstraint(f"actor_kind IN ({_sql_list(ACTOR_KINDS)})", name="actor_kind"),
        CheckConstraint(f"outcome IN ({_sql_list(OUTCOMES)})", name="outcome"),
        CheckConstraint("(seq IS NULL) = (hash IS NULL) AND (prev_hash IS NULL) = (hash IS NULL)", name="sealed"),
        UniqueConstraint("seq"),
        UniqueConstraint("prev_hash"),
        Index("ix_audit_log_resource_ids", "resource_ids", postgresql_using="gin"),
        Index("ix_audit_log_actor_subject_at", "actor_subject", "at"),
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_unsealed", "txid", "id", postgresql_where=text("hash IS NULL")),
    )


def _sql_list(values: Iterable[str]) -> str:
    return ",".join(f"'{v}'" for v in values)


# --- What goes into a row -------------------------------------------------------------------------------------------


def changes_between(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """The fields whose value differs, as field -> (old, new): what `record(changes=...)` takes."""
    return {
        field: (before.get(field), after.get(field))
        for field in sorted(before.keys() | after.keys())
        if before.get(field) != after.get(field)
    }


def outcome_for(exc: BaseException) -> Outcome:
    """The outcome to record for an attempt that raised `exc` (an AppError's status decides)."""
    if isinstance(exc, RequestValidationError):
        return "invalid"
    status = getattr(exc, "status", None)
    if status in (401, 403):
        return "denied"
    if status == 404:
        return "not_found"
    if isinstance(status, int) and 400 <= status < 500:
        return "invalid"
    return "error"


def _jsonable(value: Any) -> Any:
    """A value JSONB keeps as it is (JSONB would turn 1e+20 into an int, and refuses NaN and NUL)."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        return int(value) if value.is_integer() and abs(value) >= 1e16 else value
    if isinstance(value, enum.Enum):
        return _jsonable(value.value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    return _jsonable(str(value))


def recordable(value: Any) -> bool:
    """Whether a value looks like a code, number, date, id or boolean: the only kinds the trail keeps."""
    if isinstance(value, enum.Enum):
        return recordable(value.value)
    if value is None or isinstance(value, bool | int | Decimal | date | time | uuid.UUID):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, str) and _CODE_LIKE.fullmatch(value) is not None


def describe_changes(
    changes: Mapping[str, Any] | None,
    *,
    recorded_values: Iterable[str] = frozenset(),
    sensitive: Iterable[str] = frozenset(),
) -> dict[str, dict[str, Any]] | None:
    """field -> {"old", "new"}, from (old, new) pairs or {"old", "new"} mappings. Every field is named; its values
    are kept only when the field (or, for "section.field", its last part) is in `recorded_values`, not in
    `sensitive`, and both values are `recordable`. Otherwise each value is REDACTED (None stays None: that a value
    was added or removed is not the value)."""
    if changes is None:
        return None
    allowed, hidden = frozenset(recorded_values), frozenset(sensitive)
    out: dict[str, dict[str, Any]] = {}
    for field, change in changes.items():
        if isinstance(change, Mapping) and set(change) == {"old", "new"}:
            old, new = change["old"], change["new"]
        elif isinstance(change, tuple | list) and len(change) == 2:
            old, new = change
        else:
            raise TypeError(f"the change of {field!r} must be (old, new) or {{'old': ..., 'new': ...}}")
        name = str(field).replace("\x00", "\ufffd")
        keep = (
            name not in hidden
            and (name in allowed or name.rsplit(".", 1)[-1] in allowed)
            and recordable(old)
            and recordable(new)
        )
        if not keep:
            old = None if old is None else REDACTED
            new = None if new is None else REDACTED
        out[name] = {"old": _jsonable(old), "new": _jsonable(new)}
    return out


def canonical_content(row: Mapping[str, Any]) -> str:
    """The JSON that is hashed: keys sorted, `at` in UTC with milliseconds, roles, resource ids and jurisdictions
    sorted. A row sealed by the sealer (it has a txid) hashes its id, seq and jurisdictions too; a row chained
    before the sealer existed (txid NULL) hashes what it was chained with then: every column but id, txid,
    jurisdictions and the hashes."""
    at: datetime = row["at"]
    content = {
        "at": at.astimezone(UTC).isoformat(timespec="milliseconds"),
        "actor_subject": row["actor_subject"],
        "actor_kind": row["actor_kind"],
        "actor_name": row["actor_name"],
        "actor_roles": sorted(row["actor_roles"]),
        "actor_department": row["actor_department"],
        "actor_jurisdiction": row["actor_jurisdiction"],
        "operation": row["operation"],
        "resource_type": row["resource_type"],
        "resource_ids": sorted(str(i) for i in row["resource_ids"]),
        "changes": row["changes"],
        "outcome": row["outcome"],
        "request_id": row["request_id"],
    }
    if row.get("txid") is not None:
        content |= {"id": row["id"], "seq": row["seq"], "jurisdictions": sorted(row["jurisdictions"])}
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_hash(prev_hash: str, row: Mapping[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical_content(row)).encode()).hexdigest()


def _actor(principal: Principal | None) -> dict[str, Any]:
    if principal is None:
        return {
            "actor_subject": "system",
            "actor_kind": "system",
            "actor_name": "system",
            "actor_roles": [],
            "actor_department": None,
            "actor_jurisdiction": None,
        }
    return {
        "actor_subject": principal.subject,
        "actor_kind": principal.kind,
        "actor_name": principal.name,
        "actor_roles": sorted(principal.roles),
        "actor_department": principal.department,
        "actor_jurisdiction": principal.jurisdiction,
    }


# --- The log --------------------------------------------------------------------------------------------------------


JurisdictionSource = tuple[ColumnElement[Any], ColumnElement[Any]]
"""(id column, jurisdiction code column) of a table whose rows an audit row's resource ids may name."""


class AuditEventNotSealed(NotFound):
    code, title = "audit_event_not_sealed", "Audit event not sealed"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime


@dataclass(frozen=True, slots=True)
class SealProgress:
    """How far the sealer has come."""

    sealed: int
    """Rows in the chain (the last one's seq)."""
    sealed_up_to_id: int | None
    """Id of the last row in the chain."""
    sealed_up_to_at: datetime | None
    unsealed: int
    """Rows written and committed but not sealed yet (their transactions end after an older one still running)."""
    oldest_unsealed_at: datetime | None


@dataclass(frozen=True, slots=True)
class VerifyResult:
    ok: bool
    checked: int
    """Sealed rows recomputed, the bad one included."""
    first_bad_id: int | None
    """The first row whose position, link or hash does not match (a row changed in place shows there; a row
    rewritten with a fresh hash, or removed, shows at the row after it)."""
    progress: SealProgress


@dataclass
class Trail:
    """What an audited operation touched; filled in by the work inside `AuditLog.audited`."""

    resource_ids: list[uuid.UUID] = dataclass_field(default_factory=list)
    changes: Mapping[str, Any] | None = None
    jurisdictions: list[str] = dataclass_field(default_factory=list)
    """Jurisdictions concerned besides those found from the resource ids (e.g. the one a person moved from)."""


class AuditLog:
    def __init__(
        self,
        table: Table,
        *,
        recorded_values: Iterable[str] = frozenset(),
        jurisdiction_sources: Sequence[JurisdictionSource] | Callable[[], Sequence[JurisdictionSource]] = (),
        seal_lock_key: int = SEAL_LOCK_KEY,
    ) -> None:
        """`recorded_values`: the fields whose (code-like) values the trail keeps; every other field is named with
        its values redacted. `jurisdiction_sources`: where the jurisdiction of a resource id is found (or a function
        returning them, for sources defined after this log)."""
        self.table = table
        self.recorded_values = frozenset(recorded_values)
        self._sources = jurisdiction_sources
        self.seal_lock_key = seal_lock_key
        self._inserts: dict[bool, Insert] = {}

    @property
    def jurisdiction_sources(self) -> Sequence[JurisdictionSource]:
        return self._sources() if callable(self._sources) else self._sources

    def _values(
        self,
        principal: Principal | None,
        operation: str,
        resource_type: str,
        resource_ids: list[uuid.UUID],
        changes: Mapping[str, Any] | None,
        outcome: Outcome,
        sensitive: Iterable[str],
        recorded_values: Iterable[str] | None,
    ) -> dict[str, Any]:
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}")
        return {
            **_actor(principal),
            "operation": operation,
            "resource_type": resource_type,
            "resource_ids": resource_ids,
            "changes": describe_changes(
                changes,
                recorded_values=self.recorded_values if recorded_values is None else recorded_values,
                sensitive=sensitive,
            ),
            "outcome": outcome,
            "request_id": request_id_var.get(),
        }

    def _insert(self, with_sources: bool) -> Insert:
        """The INSERT `record` runs, built once per log (two shapes: with and without jurisdictions to look up).
        Every value is a bound parameter (`p_<column>`), so SQLAlchemy keys and compiles the statement once; building
        it on each call with the values inline, and the jurisdictions' UNION with it, was about a quarter of the
        registry's CPU on an audited read (py-spy, issue 11).

        `jurisdictions`: the codes named (`p_named_jurisdictions`) plus, with sources, those the sources hold for the
        resource ids (`p_jurisdiction_ids`), found by the INSERT itself (no extra round trip), sorted and distinct."""
        statement = self._inserts.get(with_sources)
        if statement is not None:
            return statement
        t = self.table
        values: dict[str, Any] = {name: bindparam(f"p_{name}", type_=t.c[name].type) for name in _RECORD_COLUMNS}
        named = bindparam("p_named_jurisdictions", type_=ARRAY(Text))
        if with_sources:
            ids = bindparam("p_jurisdiction_ids", type_=ARRAY(UUID(as_uuid=True)))
            found = union(
                *(select(code.label("code")).where(id_ == any_(ids)) for id_, code in self.jurisdiction_sources),
                select(func.unnest(named).label("code")),
            ).subquery()
            values["jurisdictions"] = select(
                func.coalesce(
                    func.array_agg(aggregate_order_by(found.c.code, found.c.code)).filter(found.c.code.is_not(None)),
                    literal([], ARRAY(Text)),
                )
            ).scalar_subquery()
        else:
            values["jurisdictions"] = named
        statement = insert(t).values(**values).returning(t.c.id, t.c.at)
        self._inserts[with_sources] = statement
        return statement

    async def record(
        self,
        session: AsyncSession,
        *,
        principal: Principal | None,
        operation: str,
        resource_type: str,
        resource_ids: Iterable[uuid.UUID] = (),
        changes: Mapping[str, Any] | None = None,
        outcome: Outcome = "success",
        sensitive: Iterable[str] = frozenset(),
        jurisdictions: Iterable[str] = (),
        recorded_values: Iterable[str] | None = None,
    ) -> AuditEntry:
        """Append a row in the caller's transaction, so it commits or rolls back with the work it describes (one
        INSERT; the sealer chains it after the transaction ends). `principal=None` records the system itself.
        `changes`: field -> (old, new), described as `describe_changes` says with this log's `recorded_values`
        (or those given); `sensitive` fields are always redacted. `jurisdictions`: named besides those found."""
        ids = sorted(set(resource_ids), key=str)
        values = self._values(principal, operation, resource_type, ids, changes, outcome, sensitive, recorded_values)
        params = {f"p_{name}": value for name, value in values.items()}
        params["p_named_jurisdictions"] = sorted({str(code) for code in jurisdictions if code})
        with_sources = bool(ids) and bool(self.jurisdiction_sources)
        if with_sources:
            params["p_jurisdiction_ids"] = ids
        row = (await session.execute(self._insert(with_sources), params)).one()
        return AuditEntry(id=row.id, at=row.at)

    async def rows_for_each(
        self,
        session: AsyncSession,
        *,
        principal: Principal | None,
        operation: str,
        resource_type: str,
        entries: Sequence[tuple[uuid.UUID, Mapping[str, Any] | None]],
        sensitive: Iterable[str] = frozenset(),
        recorded_values: Iterable[str] | None = None,
    ) -> list[dict[str, Any]]:
        """The rows `record` would write for each (resource id, changes), to be written at once (e.g. with COPY:
        the database fills id, txid and at). Their jurisdictions are found with one query."""
        codes: dict[uuid.UUID, list[str]] = {}
        ids = sorted({resource_id for resource_id, _ in entries}, key=str)
        if ids and self.jurisdiction_sources:
            param = bindparam("jurisdiction_ids", ids, type_=ARRAY(UUID(as_uuid=True)))
            found = union(
                *(
                    select(id_.label("id"), code.label("code")).where(id_ == any_(param))
                    for id_, code in self.jurisdiction_sources
                )
            ).subquery()
            for resource_id, code in (await session.execute(select(found.c.id, found.c.code))).all():
                if code is not None:
                    codes.setdefault(resource_id, []).append(code)
        return [
            self._values(
                principal, operation, resource_type, [resource_id], changes, "success", sensitive, recorded_values
            )
            | {"jurisdictions": sorted(set(codes.get(resource_id, ())))}
            for resource_id, changes in entries
        ]

    def audited(
        self,
        session: AsyncSession,
        *,
        principal: Principal | None,
        operation: str,
        resource_type: str,
        resource_ids: Iterable[uuid.UUID] = (),
        sensitive: Iterable[str] = frozenset(),
        jurisdictions: Iterable[str] = (),
        recorded_values: Iterable[str] | None = None,
        reads_only: bool = False,
    ) -> AbstractAsyncContextManager[Trail]:
        """Run the work of one operation and record it: `async with audit.audited(...) as trail:` (set
        `trail.resource_ids` / `trail.changes` / `trail.jurisdictions` inside). When the work raises an AppError it
        is rolled back to a savepoint, the refusal is recorded in the same transaction and marked to commit while
        the request still fails (shared.db.COMMIT_ON_ERROR).

        `reads_only=True` for work that only reads: it runs without the savepoint (two round trips, SAVEPOINT and
        RELEASE, on every request), since a refusal then has nothing to roll back. Such work must not turn a failed
        statement into an AppError (shared.errors answers database failures itself), as the refusal is written in
        the same transaction."""
        trail = Trail(resource_ids=list(resource_ids), jurisdictions=list(jurisdictions))
        return self._audited(
            session, principal, operation, resource_type, trail, sensitive, recorded_values, reads_only
        )

    @asynccontextmanager
    async def _audited(
        self,
        session: AsyncSession,
        principal: Principal | None,
        operation: str,
        resource_type: str,
        trail: Trail,
        sensitive: Iterable[str],
        recorded_values: Iterable[str] | None,
        reads_only: bool,
    ) -> AsyncIterator[Trail]:
        try:
            async with contextlib.nullcontext() if reads_only else session.begin_nested():
                yield trail
        except AppError as exc:
            await self.refuse(
                session,
                principal=principal,
                operation=operation,
                resource_type=resource_type,
                resource_ids=trail.resource_ids,
                outcome=outcome_for(exc),
                jurisdictions=trail.jurisdictions,
            )
            raise
        await self.record(
            session,
            principal=principal,
            operation=operation,
            resource_type=resource_type,
            resource_ids=trail.resource_ids,
            changes=trail.changes,
            sensitive=sensitive,
            jurisdictions=trail.jurisdictions,
            recorded_values=recorded_values,
        )

    async def refuse(
        self,
        session: AsyncSession,
        *,
        principal: Principal | None,
        operation: str,
        resource_type: str,
        outcome: Outcome,
        resource_ids: Iterable[uuid.UUID] = (),
        jurisdictions: Iterable[str] = (),
    ) -> AuditEntry:
        """Record a refused or failed attempt in the request's transaction (which must hold no other work) and
        have it committed although the request fails."""
        entry = await self.record(
            session,
            principal=principal,
            operation=operation,
            resource_type=resource_type,
            resource_ids=resource_ids,
            outcome=outcome,
            jurisdictions=jurisdictions,
        )
        session.info[COMMIT_ON_ERROR] = True
        return entry

    # --- Sealing ----------------------------------------------------------------------------------------------------

    async def seal(self, session: AsyncSession, *, limit: int = SEAL_BATCH_SIZE) -> int:
        """Chain up to `limit` unsealed rows of finished transactions, in (txid, id) order, in the caller's
        transaction (commit it afterwards); how many. 0 at once when another sealer holds the lock."""
        if not await session.scalar(select(func.pg_try_advisory_xact_lock(self.seal_lock_key))):
            return 0
        t = self.table
        rows = (
            (
                await session.execute(
                    select(t).where(t.c.hash.is_(None), t.c.txid < _BARRIER).order_by(t.c.txid, t.c.id).limit(limit)
                )
            )
            .mappings()
            .all()
        )
        if not rows:
            return 0
        head = (
            await session.execute(
                select(t.c.seq, t.c.hash).where(t.c.seq.is_not(None)).order_by(t.c.seq.desc()).limit(1)
            )
        ).first()
        seq, prev_hash = (head.seq, head.hash) if head is not None else (0, GENESIS_HASH)
        sealed: dict[str, list[Any]] = {"ids": [], "seqs": [], "prev_hashes": [], "hashes": []}
        for row in rows:
            seq += 1
            row_hash = chain_hash(prev_hash, {**row, "seq": seq})
            sealed["ids"].append(row["id"])
            sealed["seqs"].append(seq)
            sealed["prev_hashes"].append(prev_hash)
            sealed["hashes"].append(row_hash)
            prev_hash = row_hash
        arrays = [
            bindparam(name, values, type_=ARRAY(type_))
            for (name, values), type_ in zip(sealed.items(), (BigInteger, BigInteger, Text, Text), strict=True)
        ]
        v = func.unnest(*arrays).table_valued("id", "seq", "prev_hash", "hash").render_derived(name="v")
        await session.execute(
            update(t).where(t.c.id == v.c.id).values(seq=v.c.seq, prev_hash=v.c.prev_hash, hash=v.c.hash)
        )
        return len(rows)

    async def progress(self, session: AsyncSession) -> SealProgress:
        t = self.table
        head = (
            await session.execute(
                select(t.c.seq, t.c.id, t.c.at).where(t.c.seq.is_not(None)).order_by(t.c.seq.desc()).limit(1)
            )
        ).first()
        unsealed = (await session.execute(select(func.count(), func.min(t.c.at)).where(t.c.hash.is_(None)))).one()
        return SealProgress(
            sealed=head.seq if head else 0,
            sealed_up_to_id=head.id if head else None,
            sealed_up_to_at=head.at if head else None,
            unsealed=unsealed[0],
            oldest_unsealed_at=unsealed[1],
        )

    async def verify(
        self, session: AsyncSession, *, since_id: int | None = None, limit: int | None = None
    ) -> VerifyResult:
        """Recompute the sealed chain in seq order up to the last row sealed when it starts, from the row
        `since_id` (linked to the row before it; AuditEventNotSealed when it is not in the chain) or the start, for
        at most `limit` rows. Each row must take the next seq, link to the hash before it, hash to its own hash,
        and (rows sealed by the sealer) come after the previous one in (txid, id) order."""
        t = self.table
        progress = await self.progress(session)
        expected_seq, expected_prev = 1, GENESIS_HASH
        if since_id is not None:
            start = await session.scalar(select(t.c.seq).where(t.c.id == since_id))
            if start is None:
                raise AuditEventNotSealed(f"Audit event {since_id} is not in the chain (unknown or not sealed yet).")
            expected_seq = start
            if start > 1:
                expected_prev = await session.scalar(select(t.c.hash).where(t.c.seq == start - 1))
        checked = 0
        last_position: tuple[int, int] | None = None
        while (limit is None or checked < limit) and expected_seq <= progress.sealed:
            size = _VERIFY_BATCH if limit is None else min(_VERIFY_BATCH, limit - checked)
            rows = (
                (
                    await session.execute(
                        select(t)
                        .where(t.c.seq >= expected_seq, t.c.seq <= progress.sealed)
                        .order_by(t.c.seq)
                        .limit(size)
                    )
                )
                .mappings()
                .all()
            )
            for row in rows:
                checked += 1
                position = None if row["txid"] is None else (row["txid"], row["id"])
                in_order = position is None or last_position is None or position > last_position
                if (
                    row["seq"] != expected_seq
                    or row["prev_hash"] != expected_prev
                    or not in_order
                    or row["hash"] != chain_hash(row["prev_hash"], row)
                ):
                    return VerifyResult(ok=False, checked=checked, first_bad_id=row["id"], progress=progress)
                expected_seq, expected_prev = expected_seq + 1, row["hash"]
                last_position = position or last_position
            if len(rows) < size:
                break
        return VerifyResult(ok=True, checked=checked, first_bad_id=None, progress=progress)


# --- The sealer in a service process --------------------------------------------------------------------------------


class AuditSealer:
    """Seals `audit`'s rows in the background: a batch at once while there are more, then every `idle_seconds`.
    Several processes of a service may each run one; the advisory lock lets one seal at a time."""

    def __init__(
        self,
        audit: AuditLog,
        sessions: async_sessionmaker[AsyncSession],
        *,
        idle_seconds: float = SEAL_IDLE_SECONDS,
        batch_size: int = SEAL_BATCH_SIZE,
    ) -> None:
        self.audit = audit
        self.sessions = sessions
        self.idle_seconds = idle_seconds
        self.batch_size = batch_size
        self._task: asyncio.Task[None] | None = None

    async def seal_once(self) -> int:
        async with self.sessions() as session:
            sealed = await self.audit.seal(session, limit=self.batch_size)
            await session.commit()
        return sealed

    async def run(self) -> None:
        failures = 0
        while True:
            try:
                sealed = await self.seal_once()
            except Exception:  # the database is away: try again later, nothing is lost (rows wait unsealed)
                failures += 1
                logger.warning("audit sealing failed; retrying", exc_info=True, extra={"failures": failures})
                await asyncio.sleep(min(SEAL_MAX_BACKOFF_SECONDS, self.idle_seconds * 2**failures))
                continue
            failures = 0
            if sealed < self.batch_size:
                await asyncio.sleep(self.idle_seconds)

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name="audit-sealer")

    async def stop(self) -> None:
        await stop_task(self._task)
        self._task = None


def sealer_hooks(audit: AuditLog) -> tuple[Callable[[FastAPI], Awaitable[None]], Callable[[FastAPI], Awaitable[None]]]:
    """Start-up and shut-down hooks (shared.app.create_service_app) running `audit`'s sealer in the process."""

    async def start(app: FastAPI) -> None:
        app.state.audit_sealer = AuditSealer(audit, app.state.sessionmaker)
        app.state.audit_sealer.start()

    async def stop(app: FastAPI) -> None:
        await app.state.audit_sealer.stop()

    return start, stop
