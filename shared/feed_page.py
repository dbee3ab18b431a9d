"""A page of another service's event feed (`shared.outbox`), as its followers read it through
`shared.http.FeedClient`: only what every follower uses is declared, and anything else the feed adds is ignored, so
it may grow without breaking them. A follower that reads more of each event declares its own event (a `FeedEvent`
subclass) and its page (`FeedPage[ThatEvent]`)."""

from __future__ import annotations

import uuid
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field


class FeedEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: int
    kind: str
    aggregate_type: str
    aggregate_id: uuid.UUID
    data: dict[str, Any]


E = TypeVar("E", bound=FeedEvent)


class FeedPage(BaseModel, Generic[E]):
    model_config = ConfigDict(extra="ignore")

    items: list[E]
    next_cursor: str | None = Field(max_length=512)
    has_more: bool
