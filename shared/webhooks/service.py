"""The rules of webhook subscriptions: who may manage them, which targets and subscribers are allowed, the signing
secrets (made here, shown once, kept encrypted), and the SQL that reads and changes subscriptions."""

from __future__ import annotations

import base64
import os
import secrets
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from fastapi import APIRouter, Depends
from sqlalchemy import MetaData, delete, func, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.errors import AppError, FieldError, Forbidden, NotFound
from shared.outbox import Outbox, events_router
from shared.pagination import InvalidCursor, PageParams, decode_cursor, encode_cursor
from shared.webhooks.config import WebhookSettings
from shared.webhooks.schemas import WebhookReplay, WebhookSecretRotation, WebhookSubscriptionCreate
from shared.webhooks.tables import WebhookTables, webhook_tables

NONCE_BYTES = 12
SECRET_BYTES = 32
SECRET_PREFIX = "whsec_"

Follower = Callable[[Principal], Awaitable[Any]]


@dataclass(frozen=True)
class WebhookFeed:
    """One service's webhooks: its outbox, its tables, and the rule of its event feed (`follower`, the same
    dependency the feed's route uses) that every subscriber must pass, when subscribed and at every delivery."""

    service: str
    outbox: Outbox
    tables: WebhookTables
    follower: Follower
    scope: str
    """The scope a follower of the feed holds (`registry:read` ...): the subscriber is judged as a client with it."""

    @property
    def prefix(self) -> str:
        return f"/api/v1/{self.service}-webhooks"


def event_feed(service: str, outbox: Outbox, metadata: MetaData, follower: Follower) -> tuple[APIRouter, WebhookFeed]:
    """A service's event feed, polled at /api/v1/<service>-events and pushed by webhooks, to the same followers: a
    caller of the route, like a subscriber, must hold `<service>:read` and pass `follower`. Returns the route and
    the `WebhookFeed` (its tables are `webhook_tables(metadata)`)."""
    scope = f"{service}:read"
    router = events_router(
        outbox,
        prefix=f"/api/v1/{service}-events",
        tag=f"{service}-events",
        scope=scope,
        dependencies=[Depends(follower)],
    )
    webhooks = WebhookFeed(
        service=service, outbox=outbox, tables=webhook_tables(metadata), follower=follower, scope=scope
    )
    return router, webhooks


class TargetNotAllowed(AppError):
    status, code, title = 422, "webhook_target_not_allowed", "Target not allowed"


class SubscriberNotAllowed(AppError):
    status, code, title = 422, "webhook_subscriber_not_allowed", "Subscriber may not follow this feed"


class SubscriptionNotFound(NotFound):
    code = "webhook_subscription_not_found"


def require_admin(principal: Principal) -> Principal:
    """Subscriptions are managed by county-wide administrators (role and scope `admin`), like the gateway's clients."""
    if "admin" not in principal.roles or not principal.has_scope("admin"):
        raise Forbidden("Webhook subscriptions are managed by administrators.", code="insufficient_scope")
    if principal.jurisdiction is not None:
        raise Forbidden("Webhook subscriptions are county-wide: a township's administrator cannot manage them.")
    return principal


class SecretBox:
    """Signing secrets at rest: AES-256-GCM under the service's webhook key, bound to the subscription's id."""

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    @staticmethod
    def _bound(subscription_id: uuid.UUID) -> bytes:
        return b"qihang:webhook-secret:v1:" + subscription_id.bytes

    def seal(self, subscription_id: uuid.UUID, raw: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, raw, self._bound(subscription_id))

    def open(self, subscription_id: uuid.UUID, blob: bytes) -> str:
        """The secret as Standard Webhooks writes it: `whsec_` + base64 of its bytes."""
        raw = self._aead.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], self._bound(subscription_id))
        return SECRET_PREFIX + base64.b64encode(raw).decode()


def target_refusal(url: str, settings: WebhookSettings) -> str | None:
    """Why `url` may not receive deliveries under `settings`, or None if it may."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "The URL cannot be read."
    schemes = ("https",) if settings.environment == "production" else ("http", "https")
    if parts.scheme not in schemes:
        return f"The URL must be {' or '.join(schemes)}."
    if parts.username is not None or parts.password is not None:
        return "The URL must not carry a user or password: the signature authenticates deliveries."
    if parts.query or parts.fragment or "?" in url or "#" in url:
        return "The URL must not carry a query or a fragment."
    host = (parts.hostname or "").lower()
    if not host:
        return "The URL has no host."
    effective_port = port or (443 if parts.scheme == "https" else 80)
    allowed = settings.webhook_allowed_hosts
    if host not in allowed and f"{host}:{effective_port}" not in allowed:
        return "The URL's host is not on this service's allow-list of webhook targets (<SVC>_WEBHOOK_ALLOWED_HOSTS)."
    return None


def subscriber(feed: WebhookFeed, *, client_id: str, department: str, jurisdiction: str | None) -> Principal:
    """The subscriber as the feed's rule sees a department's integration client that holds the feed's scope."""
    return Principal(
        subject=client_id,
        kind="client",
        name=client_id,
        roles=frozenset({"integration"}),
        department=department,
        jurisdiction=jurisdiction,
        scopes=frozenset({feed.scope}),
        token="",
        token_id=None,
    )


async def subscriber_refusal(feed: WebhookFeed, principal: Principal) -> str | None:
    """Why the feed's rule refuses `principal`, or None: a subscriber receives nothing it could not poll."""
    try:
        await feed.follower(principal)
    except AppError as exc:
        return exc.detail or exc.title
    return None


class Subscriptions:
    """The SQL of one service's subscriptions and delivery log."""

    def __init__(self, feed: WebhookFeed) -> None:
        self.feed = feed
        self.t = feed.tables.subscription
        self.d = feed.tables.delivery

    async def create(
        self,
        session: AsyncSession,
        *,
        body: WebhookSubscriptionCreate,
        principal: Principal,
        settings: WebhookSettings,
        box: SecretBox,
    ) -> tuple[dict[str, Any], str]:
        refusal = target_refusal(body.url, settings)
        if refusal:
            raise TargetNotAllowed(refusal, errors=[FieldError(field="body.url", message=refusal)])
        who = subscriber(
            self.feed, client_id=body.client_id, department=body.department, jurisdiction=body.jurisdiction
        )
        refusal = await subscriber_refusal(self.feed, who)
        if refusal:
            raise SubscriberNotAllowed(refusal, errors=[FieldError(field="body.department", message=refusal)])
        # Read before anything is written: the transaction's own write would hold the feed's barrier back.
        position = await self.feed.outbox.head(session) if body.start == "now" else None
        subscription_id = uuid.uuid4()
        raw = secrets.token_bytes(SECRET_BYTES)
        row = (
            await session.execute(
                self.t.insert()
                .values(
                    id=subscription_id,
                    name=body.name,
                    client_id=body.client_id,
                    department=body.department,
                    jurisdiction=body.jurisdiction,
                    url=body.url,
                    kinds=sorted(set(body.kinds)),
                    secret_ciphertext=box.seal(subscription_id, raw),
                    position=position,
                    created_by=principal.name,
                )
                .returning(self.t)
            )
        ).one()
        return dict(row._mapping), SECRET_PREFIX + base64.b64encode(raw).decode()

    async def get(self, session: AsyncSession, subscription_id: uuid.UUID) -> dict[str, Any]:
        row = (await session.execute(select(self.t).where(self.t.c.id == subscription_id))).first()
        if row is None:
            raise SubscriptionNotFound("No such webhook subscription.")
        return dict(row._mapping)

    async def page(self, session: AsyncSession, params: PageParams) -> tuple[list[dict[str, Any]], str | None]:
        tag = "webhook_subscription.created_at,id asc"
        stmt = select(self.t)
        if params.cursor:
            created_at, sid = decode_cursor(params.cursor, 2, tag=tag)
            try:
                key = (datetime.fromisoformat(str(created_at)), uuid.UUID(str(sid)))
            except ValueError as exc:
                raise InvalidCursor() from exc
            stmt = stmt.where(tuple_(self.t.c.created_at, self.t.c.id) > tuple_(*key))
        rows = (await session.execute(stmt.order_by(self.t.c.created_at, self.t.c.id).limit(params.limit + 1))).all()
        items = [dict(r._mapping) for r in rows[: params.limit]]
        next_cursor = None
        if len(rows) > params.limit:
            last = items[-1]
            next_cursor = encode_cursor([last["created_at"].isoformat(), str(last["id"])], tag=tag)
        return items, next_cursor

    async def delete(self, session: AsyncSession, subscription_id: uuid.UUID) -> None:
        deleted = await session.scalar(delete(self.t).where(self.t.c.id == subscription_id).returning(self.t.c.id))
        if deleted is None:
            raise SubscriptionNotFound("No such webhook subscription.")

    async def replay(self, session: AsyncSession, subscription_id: uuid.UUID, body: WebhookReplay) -> dict[str, Any]:
        """Move the subscription's position to `body.after` (back or forth): delivery goes on from there, at once."""
        if body.after is not None:
            Outbox.check_cursor(body.after)
        row = (
            await session.execute(
                update(self.t)
                .where(self.t.c.id == subscription_id)
                .values(
                    position=body.after,
                    attempts=0,
                    next_attempt_at=None,
                    last_error=None,
                    updated_at=func.now(),
                    version=self.t.c.version + 1,
                )
                .returning(self.t)
            )
        ).first()
        if row is None:
            raise SubscriptionNotFound("No such webhook subscription.")
        return dict(row._mapping)

    async def _change(self, session: AsyncSession, subscription_id: uuid.UUID, **values: Any) -> dict[str, Any]:
        row = (
            await session.execute(
                update(self.t)
                .where(self.t.c.id == subscription_id)
                .values(**values, updated_at=func.now(), version=self.t.c.version + 1)
                .returning(self.t)
            )
        ).first()
        if row is None:
            raise SubscriptionNotFound("No such webhook subscription.")
        return dict(row._mapping)

    async def pause(self, session: AsyncSession, subscription_id: uuid.UUID) -> dict[str, Any]:
        """Hold deliveries: the position stays where it is, and events keep coming into the feed (pausing again
        keeps the first time)."""
        return await self._change(session, subscription_id, paused_at=func.coalesce(self.t.c.paused_at, func.now()))

    async def resume(self, session: AsyncSession, subscription_id: uuid.UUID) -> dict[str, Any]:
        """Deliver again, at once, from where delivery stopped (the event that was due first)."""
        return await self._change(session, subscription_id, paused_at=None, next_attempt_at=None)

    async def rotate_secret(
        self, session: AsyncSession, subscription_id: uuid.UUID, body: WebhookSecretRotation, box: SecretBox
    ) -> tuple[dict[str, Any], str]:
        """A new signing secret (returned this once); the current one becomes the previous one, which also signs
        deliveries for `body.overlap_seconds`."""
        raw = secrets.token_bytes(SECRET_BYTES)
        overlap = body.overlap_seconds > 0
        row = await self._change(
            session,
            subscription_id,
            secret_ciphertext=box.seal(subscription_id, raw),
            # The right-hand side is the row as it was: the secret being replaced.
            previous_secret_ciphertext=self.t.c.secret_ciphertext if overlap else None,
            previous_secret_until=func.now() + timedelta(seconds=body.overlap_seconds) if overlap else None,
        )
        return row, SECRET_PREFIX + base64.b64encode(raw).decode()

    async def deliveries(
        self, session: AsyncSession, subscription_id: uuid.UUID, params: PageParams
    ) -> tuple[list[dict[str, Any]], str | None]:
        """The delivery log, newest first."""
        await self.get(session, subscription_id)
        tag = "webhook_delivery.id desc"
        stmt = select(self.d).where(self.d.c.subscription_id == subscription_id)
        if params.cursor:
            (before,) = decode_cursor(params.cursor, 1, tag=tag)
            if not isinstance(before, int) or isinstance(before, bool):
                raise InvalidCursor()
            stmt = stmt.where(self.d.c.id < before)
        rows = (await session.execute(stmt.order_by(self.d.c.id.desc()).limit(params.limit + 1))).all()
        items = [dict(r._mapping) for r in rows[: params.limit]]
        next_cursor = encode_cursor([items[-1]["id"]], tag=tag) if len(rows) > params.limit else None
        return items, next_cursor
