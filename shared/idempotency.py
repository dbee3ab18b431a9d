"""Idempotent creates (IETF httpapi Idempotency-Key draft): a retry with the same key and the same body gets the
first response again; the same key with another body is refused.

The key is claimed inside the request's own transaction, before the work is done, and the response is stored in
that transaction too: if the work fails, the claim rolls back with it and a retry runs afresh; if two requests with
one key race, PostgreSQL makes the second wait on the first's unique-key insert and then replays its response.
Each service keeps the keys in its own database: `IdempotencyStore(idempotency_table(Base.metadata))`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Header, Response
from pydantic import BaseModel
from sqlalchemy import Column, DateTime, Index, Integer, MetaData, String, Table, func, select, update
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.concurrency import set_etag
from shared.errors import AppError

IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",
        description="Any unique string (a UUID is best). A retry with the same key and body returns the first "
        "result; the same key with another body is refused with 422.",
        examples=["5f0c6a1e-3d2b-4c8e-9a57-0b7e2f4d9c11"],
    ),
]


T = TypeVar("T", bound=BaseModel)


class IdempotencyKeyReused(AppError):
    status, code, title = 422, "idempotency_key_reused", "Idempotency key reused"


class IdempotencyKeyInProgress(AppError):
    status, code, title = 409, "idempotency_key_in_progress", "Idempotency key in progress"


def idempotency_table(metadata: MetaData) -> Table:
    """The creates already done under a caller's Idempotency-Key, and the responses they got."""
    return Table(
        "idempotency_key",
        metadata,
        Column("subject", String(255), primary_key=True),
        Column("key", String(255), primary_key=True),
        Column("operation", String(200), nullable=False),
        Column("request_hash", String(64), nullable=False),
        Column("response_status", Integer),
        Column("response_body", JSONB),
        Column("created_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
        Index("ix_idempotency_key_created_at", "created_at"),
    )


@dataclass(frozen=True, slots=True)
class StoredResponse:
    status: int
    body: Any


@dataclass(frozen=True, slots=True)
class Created(Generic[T]):
    """What an idempotent create answers: its status, the created item, and whether this is the stored answer to
    an earlier request with the same key (`send_created` turns it into the HTTP answer)."""

    status: int
    item: T
    replayed: bool = False


def body_hash(payload: Any) -> str:
    """sha256 of the canonical JSON of a validated body, so key order and spacing do not make it 'another body'."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class IdempotencyStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    async def claim(
        self, session: AsyncSession, *, key: str, subject: str, operation: str, request_hash: str
    ) -> StoredResponse | None:
        """Claim `key` for this request. None: go ahead, then call `complete`. Otherwise: the first response."""
        t = self.table
        inserted = await session.scalar(
            insert(t)
            .values(subject=subject, key=key, operation=operation, request_hash=request_hash)
            .on_conflict_do_nothing(index_elements=["subject", "key"])
            .returning(t.c.key)
        )
        if inserted is not None:
            return None
        row = (
            await session.execute(
                select(t.c.operation, t.c.request_hash, t.c.response_status, t.c.response_body).where(
                    t.c.subject == subject, t.c.key == key
                )
            )
        ).one()
        if row.operation != operation or row.request_hash != request_hash:
            raise IdempotencyKeyReused(
                "This Idempotency-Key was already used with another request body; use a new key for a new request."
            )
        if row.response_status is None:
            raise IdempotencyKeyInProgress("A request with this Idempotency-Key is still being processed.")
        return StoredResponse(status=row.response_status, body=row.response_body)

    async def complete(self, session: AsyncSession, *, key: str, subject: str, status: int, body: Any) -> None:
        """Store the response of the request that claimed `key` (in the same transaction as its work)."""
        t = self.table
        await session.execute(
            update(t).where(t.c.subject == subject, t.c.key == key).values(response_status=status, response_body=body)
        )

    async def replay(
        self, session: AsyncSession, *, key: str | None, subject: str, operation: str, payload: Any
    ) -> StoredResponse | None:
        """For a create with an optional key: the first response to replay, or None to go ahead (and claim)."""
        if key is None:
            return None
        return await self.claim(session, key=key, subject=subject, operation=operation, request_hash=body_hash(payload))

    async def remember(self, session: AsyncSession, *, key: str | None, subject: str, status: int, body: Any) -> None:
        """Store the response of a create that claimed `key` (nothing to do without a key)."""
        if key is not None:
            await self.complete(session, key=key, subject=subject, status=status, body=body)

    async def create(
        self,
        session: AsyncSession,
        subject: str,
        key: str | None,
        operation: str,
        payload: BaseModel | dict[str, Any],
        answer_as: type[T],
        write: Callable[[], Awaitable[T]],
        *,
        status: int = 201,
        as_now: Callable[[T], Awaitable[T]] | None = None,
    ) -> Created[T]:
        """One idempotent create: the stored answer if this (subject, key) already did `operation` with this
        payload (the request body, or what stands for it; 422 for the key with another body, 409 while the first
        is still running); otherwise `write` (the rows and the events they emit, in the request's transaction),
        whose answer is remembered under the key in that same transaction. `as_now`: for a job, a retry gets the
        job as it is now, not as it was queued."""
        if isinstance(payload, BaseModel):
            payload = payload.model_dump(mode="json")
        stored = await self.replay(session, key=key, subject=subject, operation=operation, payload=payload)
        if stored is not None:
            first = answer_as.model_validate(stored.body)
            return Created(stored.status, first if as_now is None else await as_now(first), replayed=True)
        item = await write()
        await self.remember(session, key=key, subject=subject, status=status, body=item.model_dump(mode="json"))
        return Created(status, item)


def send_created(
    response: Response, created: Created[T], *, location: str | None = None, version: int | None = None
) -> T:
    """A create's HTTP answer, first time or replayed: its status, Location and ETag, and
    `Idempotent-Replayed: true` when a retry got the first result back; returns the body.

    Location and version are given here, at the route, because the OpenAPI document declares the headers an
    operation sends from its code (shared.openapi)."""
    response.status_code = created.status
    if location is not None:
        response.headers["Location"] = location
    if version is not None:
        set_etag(response, version)
    if created.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return created.item
