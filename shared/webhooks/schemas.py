"""What an administrator sends and reads about webhook subscriptions and their deliveries."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.inputs import ClientId
from shared.outbox import EventKind
from shared.reference import DepartmentCode, JurisdictionCode

MAX_OVERLAP_SECONDS = 7 * 86400


class WebhookSubscriptionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(min_length=1, max_length=120, strip_whitespace=True)] = Field(
        description="What the subscription is for.", examples=["县民政局救助系统: 人员变动"]
    )
    client_id: ClientId = Field(
        description="The department system's integration client at the gateway (who receives the events).",
        examples=["civil-affairs-relief"],
    )
    department: DepartmentCode = Field(
        description="The receiving system's department: the service's feed rule decides whether it may see the feed "
        "at all, as it does for the client's own token.",
        examples=["civil_affairs"],
    )
    jurisdiction: JurisdictionCode | None = Field(
        default=None,
        description="The receiving system's jurisdiction; null: county-wide. The feeds are county-wide, so a "
        "township's system is refused.",
        examples=[None],
    )
    url: Annotated[str, StringConstraints(min_length=8, max_length=2000)] = Field(
        description="Where deliveries are POSTed: http(s), on a host of the service's allow-list "
        "(`<SVC>_WEBHOOK_ALLOWED_HOSTS`; https only in production), with no user, query or fragment.",
        examples=["https://relief.civil-affairs.liucheng.gov.cn/hooks/qihang"],
    )
    kinds: list[EventKind] = Field(
        min_length=1,
        max_length=50,
        description="The event kinds to deliver; every other kind is skipped.",
        examples=[["person.created", "person.archived"]],
    )
    start: Literal["now", "beginning"] = Field(
        default="now",
        description="`now`: events written from now on; `beginning`: every event the feed still holds.",
        examples=["now"],
    )


class WebhookReplay(BaseModel):
    model_config = ConfigDict(extra="forbid")

    after: Annotated[str, StringConstraints(min_length=1, max_length=512)] | None = Field(
        description="Deliver again every event after this feed cursor (`next_cursor` of the event feed, or a "
        "delivery's `event_position` to start after that event); null: from the beginning of the feed.",
        examples=["WyI3NDQyIiwxMDQyXQ"],
    )


class WebhookSecretRotation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    overlap_seconds: int = Field(
        default=86400,
        ge=0,
        le=MAX_OVERLAP_SECONDS,
        description="How long the previous secret still signs deliveries alongside the new one (both signatures in "
        "`webhook-signature`, space-separated), so the receiving system can switch to the new secret without "
        "refusing a delivery; 0: the previous secret stops at once. At most 7 days.",
        examples=[86400],
    )


class WebhookSubscriptionRead(BaseModel):
    id: uuid.UUID = Field(examples=["5b6f7a3c-1e2d-4c5b-8a9f-0e1d2c3b4a59"])
    name: str = Field(examples=["县民政局救助系统: 人员变动"])
    client_id: str = Field(examples=["civil-affairs-relief"])
    department: str = Field(examples=["civil_affairs"])
    jurisdiction: str | None = Field(examples=[None])
    url: str = Field(examples=["https://relief.civil-affairs.liucheng.gov.cn/hooks/qihang"])
    kinds: list[str] = Field(examples=[["person.created", "person.archived"]])
    position: str | None = Field(
        description="Feed cursor after the last delivered event (null: nothing delivered since the beginning).",
        examples=["WyI3NDQyIiwxMDQyXQ"],
    )
    attempts: int = Field(description="Failed attempts at the event now due (0 when none failed).", examples=[0])
    next_attempt_at: datetime | None = Field(
        description="When the event that failed is tried again (null: as soon as an event comes).",
        examples=[None],
    )
    last_delivered_at: datetime | None = Field(examples=["2026-12-06T08:30:00Z"])
    last_status_code: int | None = Field(description="The subscriber's answer to the last attempt.", examples=[204])
    last_error: str | None = Field(
        description="Why the last attempt failed, when it got no answer or was held back.", examples=[None]
    )
    paused_at: datetime | None = Field(
        description="When an administrator paused deliveries (null: not paused). Events are held, not lost: on "
        "resume, delivery goes on from `position`.",
        examples=[None],
    )
    previous_secret_until: datetime | None = Field(
        description="After a secret rotation: until when the previous secret also signs deliveries (null: none).",
        examples=[None],
    )
    created_by: str = Field(examples=["admin"])
    created_at: datetime = Field(examples=["2026-12-06T08:00:00Z"])
    version: int = Field(examples=[1])


class WebhookSubscriptionCreated(WebhookSubscriptionRead):
    secret: str = Field(
        description="The signing secret (Standard Webhooks, `whsec_` + base64), shown this once: store it in the "
        "receiving system to verify `webhook-signature`.",
        examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
    )


class WebhookDeliveryRead(BaseModel):
    id: int = Field(examples=[311])
    event_id: int = Field(description="The event's id in the service's outbox.", examples=[1042])
    event_kind: str = Field(examples=["person.created"])
    event_position: str = Field(description="Feed cursor just after this event.", examples=["WyI3NDQyIiwxMDQyXQ"])
    attempt: int = Field(description="1 for the first attempt at this event, then 2, 3, ...", examples=[1])
    attempted_at: datetime = Field(examples=["2026-12-06T08:30:00Z"])
    outcome: Literal["delivered", "failed"] = Field(examples=["delivered"])
    status_code: int | None = Field(description="The subscriber's HTTP status; null when none came.", examples=[204])
    error: str | None = Field(
        description="Why it failed without a status (timeout, connection refused, target no longer allowed ...).",
        examples=[None],
    )
    duration_ms: int = Field(examples=[38])
    next_attempt_at: datetime | None = Field(description="After a failure: when it is tried again.", examples=[None])
