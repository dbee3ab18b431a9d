"""The two tables a service keeps for its webhooks, in its own database (created by its own migration)."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Uuid,
    func,
    text,
)


class WebhookTables(NamedTuple):
    subscription: Table
    delivery: Table


def webhook_tables(metadata: MetaData) -> WebhookTables:
    """`webhook_subscription`: who receives which kinds where, and how far its deliveries have got (`position`, the
        feed cursor after the last delivered event; the retry schedule of the event at the head; paused or not; the
    previous signing secret during a rotation's overlap). `webhook_delivery`:
        one row per attempt (status code, error class, next attempt), never a payload."""
    subscription = Table(
        "webhook_subscription",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("name", String(120), nullable=False),
        Column("client_id", String(64), nullable=False),
        Column("department", String(40), nullable=False),
        Column("jurisdiction", String(40)),
        Column("url", String(2000), nullable=False),
        Column("kinds", ARRAY(String(100)), nullable=False),
        Column("secret_ciphertext", LargeBinary, nullable=False),
        Column("previous_secret_ciphertext", LargeBinary),
        Column("previous_secret_until", DateTime(timezone=True)),
        Column("paused_at", DateTime(timezone=True)),
        Column("position", String(512)),
        Column("attempts", Integer, nullable=False, server_default=text("0")),
        Column("next_attempt_at", DateTime(timezone=True)),
        Column("last_delivered_at", DateTime(timezone=True)),
        Column("last_status_code", Integer),
        Column("last_error", String(200)),
        Column("created_by", String(200), nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("version", Integer, nullable=False, server_default=text("1")),
    )
    delivery = Table(
        "webhook_delivery",
        metadata,
        Column("id", BigInteger, Identity(always=True), primary_key=True),
        Column(
            "subscription_id",
            Uuid,
            ForeignKey("webhook_subscription.id", ondelete="CASCADE"),
            nullable=False,
        ),
        Column("event_id", BigInteger, nullable=False),
        Column("event_kind", String(100), nullable=False),
        Column("event_position", String(512), nullable=False),
        Column("attempt", Integer, nullable=False),
        Column("attempted_at", DateTime(timezone=True), nullable=False),
        Column("outcome", String(20), nullable=False),
        Column("status_code", Integer),
        Column("error", String(200)),
        Column("duration_ms", Integer, nullable=False),
        Column("next_attempt_at", DateTime(timezone=True)),
        Index("ix_webhook_delivery_subscription_id_id", "subscription_id", "id"),
    )
    return WebhookTables(subscription, delivery)
