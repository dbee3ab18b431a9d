"""What the fake event feeds of several services' tests share: a source's events in order, served in pages whose
cursors are positions, as its outbox serves them."""

from __future__ import annotations

import uuid
from typing import Any


class FakeFeedEvents:
    """A source's feed: events in order, cursors are positions. `down` makes it fail like an unreachable source."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.down: Exception | None = None

    def append(
        self, kind: str, aggregate_id: uuid.UUID, data: dict[str, Any], *, at: str, aggregate_type: str = "person"
    ) -> int:
        """Add an event; its id (its position in the feed)."""
        event_id = len(self.events) + 1
        self.events.append(
            {
                "id": event_id,
                "kind": kind,
                "aggregate_type": aggregate_type,
                "aggregate_id": str(aggregate_id),
                "at": at,
                "data": data,
            }
        )
        return event_id

    def page(self, after: str | None, limit: int) -> dict[str, Any]:
        """The page after cursor `after` (None: from the start), as the feed's JSON answer."""
        if self.down is not None:
            raise self.down
        start = int(after) if after else 0
        batch = self.events[start : start + limit]
        end = start + len(batch)
        return {"items": batch, "next_cursor": str(end) if end else after, "has_more": end < len(self.events)}
