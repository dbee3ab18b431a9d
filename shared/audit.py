"""An append-only, hash-chained audit trail of who read or changed whose data, kept in each service's own database:
`audit = AuditLog(audit_table(Base.metadata))`, and a migration that creates the table and calls
`create_append_only_guard(op, "audit_log")`.

Each row's `hash` is sha256(prev_hash || canonical JSON of the row's content), and `prev_hash` is the hash of the row
before it (GENESIS_HASH for the first), so changing, removing or reordering a row breaks the chain at that row or the
next one, and `AuditLog.verify` finds it. The database refuses UPDATE, DELETE and TRUNCATE (triggers), and a unique
`prev_hash` means two rows can never claim the same predecessor: the chain cannot fork, whatever a caller does.

A write and its audit row commit or roll back together (`record`, in the caller's transaction). An attempt that fails
(`audited` / `refuse`) has its work rolled back to a savepoint and is recorded in the same transaction, which is then
committed although the request fails (shared.db.COMMIT_ON_ERROR): one transaction per request, so the chain's lock is
never waited on by the request that holds it.
"""

from __future__ import annotations

import enum
import hashlib
import json
import math
import re
import uuid
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any, Literal, get_args

from fastapi.exceptions import RequestValidationError
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Identity,
    Index,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    insert,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TIMESTAMP, UUID
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.db import COMMIT_ON_ERROR
from shared.errors import AppError
from shared.logging import request_id_var

Outcome = Literal["success", "denied", "not_found", "invalid", "error"]
ActorKind = Literal["user", "client", "system"]
OUTCOMES: tuple[str, ...] = get_args(Outcome)
ACTOR_KINDS: tuple[str, ...] = get_args(ActorKind)

GENESIS_HASH = "0" * 64
REDACTED = "[redacted]"
# Key of the transaction-level advisory lock that orders audit rows: "qihangau" in ASCII. Advisory locks are per
# database, and every service has its own, so services never wait for each other.
AUDIT_LOCK_KEY = 0x7169_6861_6E67_6175
_VERIFY_BATCH = 1000
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,40}$")


def audit_table(metadata: MetaData) -> Table:
    """The audit trail: one row per audited read, write or refused attempt."""
    return Table(
        "audit_log",
        metadata,
        Column("id", BigInteger, Identity(always=True), primary_key=True),
        # Milliseconds, taken from the database clock under the audit lock, so `at` grows with `id` and is hashed.
        Column("at", TIMESTAMP(timezone=True, precision=3), nullable=False),
        Column("actor_subject", Text, nullable=False),
        Column("actor_kind", String(10), nullable=False),
        Column("actor_name", Text, nullable=False),
        Column("actor_roles", ARRAY(Text), nullable=False),
        Column("actor_department", String(40)),
        Column("actor_jurisdiction", String(40), comment="NULL means county-wide."),
        Column("operation", String(100), nullable=False),
        Column("resource_type", String(50), nullable=False),
        Column("resource_ids", ARRAY(UUID(as_uuid=True)), nullable=False),
        Column("changes", JSONB(none_as_null=True)),
        Column("outcome", String(20), nullable=False),
        Column("request_id", String(128)),
        Column("prev_hash", String(64), nullable=False),
        Column("hash", String(64), nullable=False),
        CheckConstraint(f"actor_kind IN ({_sql_list(ACTOR_KINDS)})", name="actor_kind"),
        CheckConstraint(f"outcome IN ({_sql_list(OUTCOMES)})", name="outcome"),
        UniqueConstraint("prev_hash"),
        Index("ix_audit_log_resource_ids", "resource_ids", postgresql_using="gin"),
        Index("ix_audit_log_actor_subject_at", "actor_subject", "at"),
        Index("ix_audit_log_at", "at"),
    )


def _sql_list(values: Iterable[str]) -> str:
    return ",".join(f"'{v}'" for v in values)


# --- The append-only guard, for migrations --------------------------------------------------------------------------


def _checked_identifier(table_name: str) -> str:
    if not _IDENTIFIER.match(table_name):
        raise ValueError(f"not a plain table name: {table_name!r}")
    return table_name


def append_only_guard_sql(table_name: str) -> list[str]:
    """Statements (run one at a time: asyncpg refuses several in one execute) that make the database refuse
    UPDATE, DELETE and TRUNCATE on `table_name` with '<table_name> is append-only'."""
    name = _checked_identifier(table_name)
    return [
        f"""
        CREATE FUNCTION {name}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
        END $$
        """,
        f"""
        CREATE TRIGGER {name}_no_update_delete BEFORE UPDATE OR DELETE ON {name}
            FOR EACH ROW EXECUTE FUNCTION {name}_append_only()
        """,
        f"""
        CREATE TRIGGER {name}_no_truncate BEFORE TRUNCATE ON {name}
            FOR EACH STATEMENT EXECUTE FUNCTION {name}_append_only()
        """,
    ]


def drop_append_only_guard_sql(table_name: str) -> list[str]:
    name = _checked_identifier(table_name)
    return [
        f"DROP TRIGGER IF EXISTS {name}_no_truncate ON {name}",
        f"DROP TRIGGER IF EXISTS {name}_no_update_delete ON {name}",
        f"DROP FUNCTION IF EXISTS {name}_append_only()",
    ]


def create_append_only_guard(op: Any, table_name: str) -> None:
    """In a migration's upgrade(): `create_append_only_guard(op, "audit_log")`."""
    for statement in append_only_guard_sql(table_name):
        op.execute(statement)


def drop_append_only_guard(op: Any, table_name: str) -> None:
    """In a migration's downgrade(), before dropping the table."""
    for statement in drop_append_only_guard_sql(table_name):
        op.execute(statement)


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
    """A value that survives the trip through JSONB unchanged, so the hash of what was written is the hash of what
    is read back (JSONB would turn 1e+20 into 100000000000000000000, an int, and refuses NaN and NUL)."""
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
    if isinstance(value, Mapping):
        return {str(k).replace("\x00", "\ufffd"): _jsonable(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((_jsonable(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return _jsonable(str(value))


def redact_changes(
    changes: Mapping[str, Any] | None, sensitive: Iterable[str] = frozenset()
) -> dict[str, dict[str, Any]] | None:
    """field -> {"old", "new"}, from (old, new) pairs or {"old", "new"} mappings. A sensitive field is still named,
    but its values are REDACTED (None stays None: that a value was added or removed is not the value)."""
    if changes is None:
        return None
    hidden = frozenset(sensitive)
    out: dict[str, dict[str, Any]] = {}
    for field, change in changes.items():
        if isinstance(change, Mapping) and set(change) == {"old", "new"}:
            old, new = change["old"], change["new"]
        elif isinstance(change, tuple | list) and len(change) == 2:
            old, new = change
        else:
            raise TypeError(f"the change of {field!r} must be (old, new) or {{'old': ..., 'new': ...}}")
        if field in hidden:
            old = None if old is None else REDACTED
            new = None if new is None else REDACTED
        out[str(field)] = {"old": _jsonable(old), "new": _jsonable(new)}
    return out


def canonical_content(row: Mapping[str, Any]) -> str:
    """The JSON that is hashed: every column but id and the hashes, keys sorted, `at` in UTC with milliseconds,
    roles and resource ids sorted."""
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


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    hash: str


@dataclass(frozen=True, slots=True)
class VerifyResult:
    ok: bool
    checked: int
    """Rows recomputed, the bad one included."""
    first_bad_id: int | None
    """The first row whose link or hash does not match (a row changed in place shows there; a row rewritten with a
    fresh hash, or removed, shows at the row after it)."""


@dataclass
class Trail:
    """What an audited operation touched; filled in by the work inside `AuditLog.audited`."""

    resource_ids: list[uuid.UUID] = dataclass_field(default_factory=list)
    changes: Mapping[str, Any] | None = None


class AuditLog:
    def __init__(self, table: Table, *, lock_key: int = AUDIT_LOCK_KEY) -> None:
        self.table = table
        self.lock_key = lock_key

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
    ) -> AuditEntry:
        """Append a row in the caller's transaction, so it commits or rolls back with the work it describes.
        `principal=None` records the system itself. `changes`: field -> (old, new); the values of the fields named
        in `sensitive` are replaced by "[redacted]".

        The advisory lock taken here serialises audited transactions from this call until they commit or roll back
        (only from here: the work before it runs concurrently). Record as late as possible in the transaction."""
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}")
        values: dict[str, Any] = {
            **_actor(principal),
            "operation": operation,
            "resource_type": resource_type,
            "resource_ids": sorted(set(resource_ids), key=str),
            "changes": redact_changes(changes, sensitive),
            "outcome": outcome,
            "request_id": request_id_var.get(),
        }
        t = self.table
        # Held until this transaction commits or rolls back: audited transactions are serialised from here to their
        # end (not before), which keeps the chain one line. So record as late as possible in the transaction.
        await session.execute(select(func.pg_advisory_xact_lock(self.lock_key)))
        # A statement of its own, after the lock: under READ COMMITTED it gets a fresh snapshot, which shows the row
        # that the previous holder of the lock committed. (Under REPEATABLE READ the snapshot would be older; the
        # unique prev_hash then refuses the insert instead of forking the chain.)
        last = (
            await session.execute(
                select(
                    select(t.c.hash).order_by(t.c.id.desc()).limit(1).scalar_subquery().label("prev_hash"),
                    func.date_trunc("milliseconds", func.clock_timestamp()).label("at"),
                )
            )
        ).one()
        values["prev_hash"] = last.prev_hash or GENESIS_HASH
        values["at"] = last.at
        values["hash"] = chain_hash(values["prev_hash"], values)
        new_id = await session.scalar(insert(t).values(**values).returning(t.c.id))
        return AuditEntry(id=new_id, at=values["at"], hash=values["hash"])

    def audited(
        self,
        session: AsyncSession,
        *,
        principal: Principal | None,
        operation: str,
        resource_type: str,
        resource_ids: Iterable[uuid.UUID] = (),
        sensitive: Iterable[str] = frozenset(),
    ) -> AbstractAsyncContextManager[Trail]:
        """Run the work of one operation and record it: `async with audit.audited(...) as trail:` (set
        `trail.resource_ids` / `trail.changes` inside). When the work raises an AppError it is rolled back to a
        savepoint, the refusal is recorded in the same transaction and marked to commit while the request still
        fails (shared.db.COMMIT_ON_ERROR): one transaction, so the chain's lock is never waited on by itself."""
        return self._audited(session, principal, operation, resource_type, list(resource_ids), frozenset(sensitive))

    @asynccontextmanager
    async def _audited(
        self,
        session: AsyncSession,
        principal: Principal | None,
        operation: str,
        resource_type: str,
        resource_ids: list[uuid.UUID],
        sensitive: frozenset[str],
    ) -> AsyncIterator[Trail]:
        trail = Trail(resource_ids=resource_ids)
        try:
            async with session.begin_nested():
                yield trail
        except AppError as exc:
            await self.refuse(
                session,
                principal=principal,
                operation=operation,
                resource_type=resource_type,
                resource_ids=trail.resource_ids,
                outcome=outcome_for(exc),
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
        )
        session.info[COMMIT_ON_ERROR] = True
        return entry

    async def verify(
        self, session: AsyncSession, *, since_id: int | None = None, limit: int | None = None
    ) -> VerifyResult:
        """Recompute the chain in id order, from `since_id` (inclusive; linked to the row before it) or the start,
        for at most `limit` rows."""
        t = self.table
        expected_prev = GENESIS_HASH
        after_id = 0
        if since_id is not None:
            before = (
                await session.execute(
                    select(t.c.id, t.c.hash).where(t.c.id < since_id).order_by(t.c.id.desc()).limit(1)
                )
            ).first()
            if before is not None:
                after_id, expected_prev = before.id, before.hash
            else:
                after_id = since_id - 1
        checked = 0
        while limit is None or checked < limit:
            size = _VERIFY_BATCH if limit is None else min(_VERIFY_BATCH, limit - checked)
            rows = (
                (await session.execute(select(t).where(t.c.id > after_id).order_by(t.c.id).limit(size)))
                .mappings()
                .all()
            )
            for row in rows:
                checked += 1
                if row["prev_hash"] != expected_prev or row["hash"] != chain_hash(row["prev_hash"], row):
                    return VerifyResult(ok=False, checked=checked, first_bad_id=row["id"])
                expected_prev, after_id = row["hash"], row["id"]
            if len(rows) < size:
                break
        return VerifyResult(ok=True, checked=checked, first_bad_id=None)
