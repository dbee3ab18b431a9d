"""Reading back what a service wrote in the test's own database session: its audit trail and its outbox."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text


async def audit_rows(session: Any, resource_id: str, prefix: str = "", *, columns: str) -> list[tuple]:
    """The `columns` of each audit row naming `resource_id` whose operation starts with `prefix`, oldest first."""
    result = await session.execute(
        text(
            f"SELECT {columns} FROM audit_log "
            "WHERE CAST(:rid AS uuid) = ANY(resource_ids) AND operation LIKE :prefix ORDER BY id"
        ),
        {"rid": resource_id, "prefix": f"{prefix}%"},
    )
    return [tuple(r) for r in result.all()]


async def events_of(session: Any, aggregate_id: str) -> list[tuple[str, dict]]:
    """(kind, data) of every outbox event of `aggregate_id`, in the order written."""
    result = await session.execute(
        text("SELECT kind, data FROM outbox_event WHERE aggregate_id = CAST(:id AS uuid) ORDER BY id"),
        {"id": aggregate_id},
    )
    return [(r.kind, r.data) for r in result]


async def last_audit_id(session: Any) -> int:
    """The id of the newest audit row (0: none yet), to read what a test adds after it."""
    return await session.scalar(text("SELECT coalesce(max(id), 0) FROM audit_log"))


async def trail_since(session: Any, since: int) -> str:
    """Every audit row after id `since`, whole, as text (to search for values that must not be in it)."""
    return await session.scalar(
        text("SELECT coalesce(string_agg(audit_log::text, E'\\n'), '') FROM audit_log WHERE id > :since"),
        {"since": since},
    )


async def operations_since(session: Any, since: int) -> set[tuple[str, str]]:
    """The (operation, outcome) pairs of the audit rows after id `since`."""
    result = await session.execute(text("SELECT operation, outcome FROM audit_log WHERE id > :since"), {"since": since})
    return {tuple(r) for r in result.all()}
