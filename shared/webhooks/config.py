"""The webhook settings of a service that offers subscriptions (registry, placement, subsidy): its Settings class
inherits `WebhookSettings` instead of `BaseServiceSettings`, so they read `<SVC>_WEBHOOK_...`."""

from __future__ import annotations

import base64
from typing import Annotated

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import NoDecode

from shared.config import BaseServiceSettings

DEV_WEBHOOK_SECRET_KEY = "cWloYW5nLWRldi1vbmx5LXdlYmhvb2stc2VjcmV0LWs="
"""Encrypts the signing secrets in development and tests only: production refuses it."""


def decode_key(text: str) -> bytes:
    key = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if len(key) != 32:
        raise ValueError("webhook_secret_key is 32 bytes, URL-safe base64 encoded")
    return key


def _host_entry(entry: str) -> str:
    entry = entry.strip().lower()
    host, _, port = entry.rpartition(":") if entry.count(":") == 1 else (entry, "", "")
    if not host or "/" in entry or "@" in entry or (port and not (port.isdigit() and 0 < int(port) < 65536)):
        raise ValueError(f"webhook_allowed_hosts: {entry!r} is not `host` or `host:port`")
    return entry


class WebhookSettings(BaseServiceSettings):
    webhook_allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Hosts (`host` or `host:port`, comma-separated) a webhook subscription's URL may point at. A "
        "target on no entry is refused when the subscription is made (422) and held back at delivery time if the "
        "list changed since. Empty: no subscription can be made.",
        examples=["relief.civil-affairs.liucheng.gov.cn,10.20.0.15:8443"],
    )
    webhook_secret_key: SecretStr = Field(
        default=SecretStr(DEV_WEBHOOK_SECRET_KEY),
        description="32 bytes, URL-safe base64: encrypts the subscriptions' signing secrets at rest (AES-256-GCM).",
    )
    webhook_delivery_enabled: bool | None = Field(
        default=None,
        description="Deliver webhooks in the background from this process. Unset: on, except in tests (they drive "
        "the worker themselves).",
    )
    webhook_poll_seconds: float = Field(
        default=1.0, gt=0, le=60, description="How often the worker looks for new events and due retries."
    )
    webhook_timeout_seconds: float = Field(
        default=10.0, gt=0, le=60, description="How long a subscriber has to answer one delivery."
    )
    webhook_retry_base_seconds: float = Field(
        default=5.0, gt=0, le=3600, description="Wait after the first failed attempt; doubled after each failure."
    )
    webhook_retry_max_seconds: float = Field(
        default=3600.0, gt=0, le=86400, description="Longest wait between two attempts (retries never stop)."
    )
    webhook_batch_size: int = Field(
        default=50, ge=1, le=200, description="Events read from the outbox at once for one subscription."
    )

    webhook_concurrency: int = Field(
        default=4,
        ge=1,
        le=16,
        description="Subscriptions a process delivers to at once (each holds two database connections meanwhile).",
    )
    webhook_log_retention_days: int = Field(
        default=30, ge=1, le=3650, description="Days the delivery log keeps an attempt; older rows are removed."
    )

    @field_validator("webhook_allowed_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            return [part for part in value.split(",") if part.strip()]
        return value

    @field_validator("webhook_allowed_hosts")
    @classmethod
    def _check_hosts(cls, value: list[str]) -> list[str]:
        return [_host_entry(entry) for entry in value]

    @field_validator("webhook_secret_key")
    @classmethod
    def _check_key(cls, value: SecretStr) -> SecretStr:
        decode_key(value.get_secret_value())
        return value

    @property
    def webhook_delivery_active(self) -> bool:
        if self.webhook_delivery_enabled is not None:
            return self.webhook_delivery_enabled
        return self.environment != "test"

    @model_validator(mode="after")
    def _webhooks_in_production(self) -> WebhookSettings:
        if self.webhook_retry_max_seconds < self.webhook_retry_base_seconds:
            raise ValueError("webhook_retry_max_seconds must not be shorter than webhook_retry_base_seconds")
        if self.environment == "production" and self.webhook_secret_key.get_secret_value() == DEV_WEBHOOK_SECRET_KEY:
            raise ValueError("webhook_secret_key must be set to a real key in production (32 random bytes, base64)")
        return self
