"""Delivering a service's events to its webhook subscribers, from its outbox, in feed order per subscription.

Each subscription keeps its place in the feed (`position`, a feed cursor). The worker reads the events after it
(only the subscription's kinds) and POSTs them one at a time, signed per the Standard Webhooks spec
(`standardwebhooks`: `webhook-id`, `webhook-timestamp`, `webhook-signature`). A 2xx moves the position past the
event; anything else (another status, a timeout, a refused connection, a redirect) leaves it there and schedules
the same event again after an exponential back-off (base * 2^(failures-1), capped), honouring a longer
`Retry-After`. Retries never stop and no later event overtakes a failed one, so a subscriber that is down loses
nothing: when it is back, it receives everything from where it stopped, in order. The schedule (failures, next
attempt) is in the database, so a restart loses nothing either; `webhook-id` stays the same for every attempt at
an event, so a subscriber can drop one it has already processed.

Every attempt leaves a row in `webhook_delivery` (status code, error class, duration, next attempt), never the
payload. A paused subscription is skipped (its position stays, so on resume it goes on from there); during a
secret rotation's overlap every delivery is signed with both secrets. Before each attempt the target is checked
against today's allow-list and the subscriber against the feed's rule: one that no longer passes is held back (a
failed attempt with the reason), and nothing is skipped.

Subscriptions are delivered side by side (`<SVC>_WEBHOOK_CONCURRENCY` at once), each in its own order. Several
processes may run a worker: a subscription is handled by one at a time (a session-level advisory lock,
which assigns no transaction id, so it never holds the event feed's barrier back). No transaction stays open during
an HTTP call.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import BigInteger, DateTime, Integer, String, Uuid, delete, func, literal, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from standardwebhooks import Webhook

from shared.http import make_http_client
from shared.metrics import WEBHOOK_ATTEMPTS, WEBHOOK_DURATION
from shared.outbox import OutboxEvent
from shared.tasks import stop_task
from shared.webhooks.config import WebhookSettings
from shared.webhooks.service import SecretBox, WebhookFeed, subscriber, subscriber_refusal, target_refusal

logger = logging.getLogger("qihang.webhooks")
LOCK_NAMESPACE = 0x5148_5748  # "QHWH": keeps these advisory locks apart from any other use of them
ERROR_LENGTH = 200
PRUNE_EVERY_SECONDS = 600.0
PRUNE_BATCH = 5000


def utcnow() -> datetime:
    return datetime.now(UTC)


def lock_key(subscription_id: uuid.UUID) -> int:
    return int.from_bytes(subscription_id.bytes[:8], "big", signed=True) ^ LOCK_NAMESPACE


def message(feed: WebhookFeed, event: OutboxEvent) -> bytes:
    """The body of a delivery (Standard Webhooks' `type`, `timestamp`, `data`): the event as the feed shows it,
    with its `position` so a subscriber can also poll the feed from there."""
    body = {
        "type": event.kind,
        "timestamp": event.at.isoformat(),
        "data": {
            "id": event.id,
            "kind": event.kind,
            "aggregate_type": event.aggregate_type,
            "aggregate_id": str(event.aggregate_id),
            "at": event.at.isoformat(),
            "position": event.cursor,
            "service": feed.service,
            "data": event.data,
        },
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def retry_delay(failures: int, settings: WebhookSettings, retry_after: float | None = None) -> float:
    """Seconds until the next attempt after `failures` failures in a row (1, 2, ...)."""
    delay = min(settings.webhook_retry_max_seconds, settings.webhook_retry_base_seconds * 2 ** (failures - 1))
    if retry_after is not None:
        delay = min(settings.webhook_retry_max_seconds, max(delay, retry_after))
    return delay


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    return float(value) if value.isdigit() else None


class WebhookWorker:
    def __init__(
        self,
        feed: WebhookFeed,
        settings: WebhookSettings,
        *,
        sessions: async_sessionmaker[AsyncSession],
        engine: AsyncEngine,
        box: SecretBox,
        http: httpx.AsyncClient | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.feed = feed
        self.settings = settings
        self.sessions = sessions
        self.engine = engine
        self.box = box
        self.http = http or make_http_client(
            timeout=settings.webhook_timeout_seconds,
            connect_timeout=min(settings.webhook_timeout_seconds, settings.http_connect_timeout_seconds),
            max_connections=20,
        )
        self.clock = clock
        self._task: asyncio.Task[None] | None = None
        self._pruned_at: float | None = None

    async def run_once(self) -> int:
        """One pass over every subscription that is due: deliver what is ready. The number of attempts made."""
        t = self.feed.tables.subscription
        now = self.clock()
        async with self.sessions() as session:
            ids = list(
                await session.scalars(
                    select(t.c.id)
                    .where(t.c.paused_at.is_(None))
                    .where((t.c.next_attempt_at.is_(None)) | (t.c.next_attempt_at <= now))
                    .order_by(t.c.created_at, t.c.id)
                )
            )
        # A delivery mostly waits (for the subscriber, then the database), so subscriptions go side by side; each
        # holds two connections of the pool while it delivers.
        gate = asyncio.Semaphore(self.settings.webhook_concurrency)

        async def deliver(subscription_id: uuid.UUID) -> int:
            async with gate:
                return await self.deliver(subscription_id)

        return sum(await asyncio.gather(*(deliver(i) for i in ids)))

    @contextlib.asynccontextmanager
    async def _locked(self, subscription_id: uuid.UUID) -> AsyncIterator[bool]:
        async with self.engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            key = lock_key(subscription_id)
            got = await conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": key})
            try:
                yield bool(got)
            finally:
                if got:
                    await conn.scalar(text("SELECT pg_advisory_unlock(:k)"), {"k": key})

    async def deliver(self, subscription_id: uuid.UUID) -> int:
        """Deliver the subscription's ready events in order, up to the first failure. The attempts made."""
        async with self._locked(subscription_id) as got:
            if not got:
                return 0
            t = self.feed.tables.subscription
            async with self.sessions() as session:
                row = (await session.execute(select(t).where(t.c.id == subscription_id))).first()
                if row is None or row.paused_at is not None:
                    return 0
                if row.next_attempt_at is not None and row.next_attempt_at > self.clock():
                    return 0
                batch = await self.feed.outbox.read(
                    session, after=row.position, limit=self.settings.webhook_batch_size, kinds=list(row.kinds)
                )
            sub = dict(row._mapping)
            made = 0
            for event in batch.events:
                made += 1
                delivered = await self._attempt(sub, event)
                if not delivered:
                    break
            return made

    async def _held_back(self, sub: dict[str, Any]) -> str | None:
        refusal = target_refusal(sub["url"], self.settings)
        if refusal:
            return "target_not_allowed"
        who = subscriber(
            self.feed, client_id=sub["client_id"], department=sub["department"], jurisdiction=sub["jurisdiction"]
        )
        if await subscriber_refusal(self.feed, who):
            return "subscriber_not_allowed"
        return None

    def _signing_secrets(self, sub: dict[str, Any], now: datetime) -> list[str]:
        """The current secret, and during a rotation's overlap the previous one too: Standard Webhooks lets
        `webhook-signature` carry several signatures (space-separated); a receiver accepts the delivery when one
        verifies, whichever secret it holds."""
        found = [self.box.open(sub["id"], sub["secret_ciphertext"])]
        until = sub.get("previous_secret_until")
        if sub.get("previous_secret_ciphertext") is not None and until is not None and until > now:
            found.append(self.box.open(sub["id"], sub["previous_secret_ciphertext"]))
        return found

    async def _attempt(self, sub: dict[str, Any], event: OutboxEvent) -> bool:
        """One attempt at `event`, recorded; True when delivered (the subscription's position then moved past it)."""
        attempt = sub["attempts"] + 1
        started = time.monotonic()
        status_code: int | None = None
        error = await self._held_back(sub)
        retry_after: float | None = None
        if error is None:
            body = message(self.feed, event)
            sent_at = self.clock()
            msg_id = f"{self.feed.service}_{event.id}"
            headers = {
                "content-type": "application/json",
                "user-agent": "qihang-webhooks/1",
                "webhook-id": msg_id,
                "webhook-timestamp": str(int(sent_at.timestamp())),
                "webhook-signature": " ".join(
                    Webhook(secret).sign(msg_id, sent_at, body) for secret in self._signing_secrets(sub, sent_at)
                ),
            }
            try:
                response = await self.http.post(sub["url"], content=body, headers=headers)
                status_code = response.status_code
                retry_after = _retry_after(response)
                await response.aclose()
            except httpx.TimeoutException:
                error = "timeout"
            except httpx.TransportError as exc:
                error = f"transport: {type(exc).__name__}"
        elapsed = time.monotonic() - started
        duration_ms = int(elapsed * 1000)
        delivered = status_code is not None and 200 <= status_code < 300
        if status_code is not None and not delivered and status_code in (301, 302, 303, 307, 308):
            error = "redirect not followed"
        now = self.clock()
        next_at = None if delivered else now + timedelta(seconds=retry_delay(attempt, self.settings, retry_after))
        outcome = "delivered" if delivered else "failed"
        WEBHOOK_ATTEMPTS.labels(self.feed.service, outcome).inc()
        if error is None or not error.endswith("_not_allowed"):
            WEBHOOK_DURATION.labels(self.feed.service).observe(elapsed)
        recorded = await self._record(sub, event, attempt, now, delivered, status_code, error, duration_ms, next_at)
        logger.info(
            "webhook delivery %s",
            outcome,
            extra={
                "service": self.feed.service,
                "subscription_id": str(sub["id"]),
                "event_id": event.id,
                "attempt": attempt,
                "status_code": status_code,
                "error": error,
                "duration_ms": duration_ms,
            },
        )
        if delivered and recorded:
            sub["attempts"] = 0
            return True
        return False

    async def _record(
        self,
        sub: dict[str, Any],
        event: OutboxEvent,
        attempt: int,
        now: datetime,
        delivered: bool,
        status_code: int | None,
        error: str | None,
        duration_ms: int,
        next_at: datetime | None,
    ) -> bool:
        """The attempt in the log and its effect on the subscription, in one short transaction. False when the
        subscription was replayed or deleted meanwhile (its new position stands; this pass stops)."""
        t, d = self.feed.tables.subscription, self.feed.tables.delivery
        changes: dict[str, Any] = {
            "last_status_code": status_code,
            "last_error": error[:ERROR_LENGTH] if error else None,
            "updated_at": func.now(),
            "version": t.c.version + 1,
        }
        if delivered:
            changes |= {"position": event.cursor, "attempts": 0, "next_attempt_at": None, "last_delivered_at": now}
        else:
            changes |= {"attempts": attempt, "next_attempt_at": next_at}
        moved = (
            update(t)
            .where(t.c.id == sub["id"], t.c.version == sub["version"])
            .values(**changes)
            .returning(t.c.version)
            .cte("moved")
        )
        row = {
            "subscription_id": literal(sub["id"], Uuid),
            "event_id": literal(event.id, BigInteger),
            "event_kind": literal(event.kind, String),
            "event_position": literal(event.cursor, String),
            "attempt": literal(attempt, Integer),
            "attempted_at": literal(now, DateTime(timezone=True)),
            "outcome": literal("delivered" if delivered else "failed", String),
            "status_code": literal(status_code, Integer),
            "error": literal(error[:ERROR_LENGTH] if error else None, String),
            "duration_ms": literal(duration_ms, Integer),
            "next_attempt_at": literal(next_at, DateTime(timezone=True)),
        }
        # Logged even when the subscription was replayed meanwhile (the attempt happened), not once it is deleted.
        logged = d.insert().from_select(
            list(row), select(*row.values()).where(select(t.c.id).where(t.c.id == sub["id"]).exists())
        )
        # One statement in autocommit: a round trip to the database per attempt, not one per statement.
        async with self.engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            version = await conn.scalar(select(moved.c.version).add_cte(logged.cte("logged")))
        if version is None:
            return False
        sub["version"] = version
        return True

    async def prune_log(self) -> int:
        """Remove the delivery log's attempts older than the retention, oldest first; the rows removed.

        Ids grow with time, so the first attempt to keep is found by walking the primary key from the oldest row,
        which reads only the rows to remove."""
        d = self.feed.tables.delivery
        cutoff = self.clock() - timedelta(days=self.settings.webhook_log_retention_days)
        removed = 0
        async with self.sessions() as session:
            first_kept = await session.scalar(
                select(d.c.id).where(d.c.attempted_at >= cutoff).order_by(d.c.id).limit(1)
            )
            if first_kept is None:
                first_kept = (await session.scalar(select(func.max(d.c.id))) or 0) + 1
            while True:
                batch = select(d.c.id).where(d.c.id < first_kept).order_by(d.c.id).limit(PRUNE_BATCH)
                result = await session.execute(delete(d).where(d.c.id.in_(batch.scalar_subquery())))
                await session.commit()
                removed += result.rowcount
                if result.rowcount < PRUNE_BATCH:
                    return removed

    async def run(self) -> None:
        failures = 0
        while True:
            try:
                if self._pruned_at is None or time.monotonic() - self._pruned_at > PRUNE_EVERY_SECONDS:
                    await self.prune_log()
                    self._pruned_at = time.monotonic()
                await self.run_once()
            except Exception:  # the database is away: try again later; the schedule is in the database
                failures += 1
                logger.warning("webhook delivery pass failed; retrying", exc_info=True, extra={"failures": failures})
                await asyncio.sleep(min(60.0, self.settings.webhook_poll_seconds * 2**failures))
                continue
            failures = 0
            await asyncio.sleep(self.settings.webhook_poll_seconds)

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name=f"{self.feed.service}-webhooks")

    async def stop(self) -> None:
        await stop_task(self._task)
        self._task = None
        await self.http.aclose()
