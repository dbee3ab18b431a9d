"""A fake registry feed for the follower (the events the registry's outbox would serve) and a way to run the
follower's steps inside the test's rolled-back transaction."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from placement.registry_feed import service
from placement.registry_feed.schemas import FeedPage
from placement.registry_feed.service import StepResult
from tests.feeds import FakeFeedEvents


class FakeFeed(FakeFeedEvents):
    """The registry's feed, remembering the cursor of every read."""

    def __init__(self) -> None:
        super().__init__()
        self.reads: list[str | None] = []

    def add(self, kind: str, person_id: uuid.UUID, data: dict[str, Any]) -> None:
        self.append(kind, person_id, data, at="2026-11-29T08:00:00Z")

    def person(
        self,
        person_id: uuid.UUID | None = None,
        *,
        kind: str = "person.created",
        jurisdiction_code: str = "dapu",
        status: str = "active",
        work_ability: str = "able",
        birth_year: int = 1990,
        **extra: Any,
    ) -> uuid.UUID:
        person_id = person_id or uuid.uuid4()
        data = {"jurisdiction_code": jurisdiction_code, "status": status, "work_ability": work_ability}
        self.add(kind, person_id, data | {"birth_year": birth_year} | extra)
        return person_id

    def measure(
        self,
        person_id: uuid.UUID,
        kind: str,
        start_on: date,
        *,
        event: str = "measure.created",
        measure_id: uuid.UUID | None = None,
        actual_end_on: date | None = None,
        end_reason: str | None = None,
        corrects_id: uuid.UUID | None = None,
    ) -> uuid.UUID:
        measure_id = measure_id or uuid.uuid4()
        self.add(
            event,
            person_id,
            {
                "measure_id": str(measure_id),
                "kind": kind,
                "start_on": start_on.isoformat(),
                "planned_end_on": None,
                "actual_end_on": actual_end_on.isoformat() if actual_end_on else None,
                "end_reason": end_reason,
                "corrects_id": str(corrects_id) if corrects_id else None,
            },
        )
        return measure_id

    def isolation(
        self, person_id: uuid.UUID, began_days_ago: int, ended_days_ago: int, end_reason: str = "completed"
    ) -> uuid.UUID:
        """A compulsory isolation that began and ended so many days ago (a release at term, unless `end_reason`
        says otherwise)."""
        today = date.today()
        return self.measure(
            person_id,
            "compulsory_isolation",
            today - timedelta(days=began_days_ago),
            actual_end_on=today - timedelta(days=ended_days_ago),
            end_reason=end_reason,
        )

    async def fetch(self, after: str | None, limit: int) -> FeedPage:
        self.reads.append(after)
        return FeedPage.model_validate(self.page(after, limit))


def transaction_in(session: AsyncSession):
    """The follower's transactions as savepoints of the test's transaction (rolled back after the test)."""

    @asynccontextmanager
    async def transaction() -> AsyncIterator[AsyncSession]:
        async with session.begin_nested():
            yield session

    return transaction


async def catch_up(session: AsyncSession, feed: FakeFeed, *, today: date | None = None, batch: int = 200) -> None:
    """Run follower steps until the fake feed is fully applied."""
    result = StepResult(0, 0, has_more=True)
    while result.has_more:
        result = await service.step(transaction_in(session), feed.fetch, batch_size=batch, today=today or date.today())
