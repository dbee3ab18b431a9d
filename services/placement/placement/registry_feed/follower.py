"""The background task that keeps the projection in step with the registry: started in the app's lifespan when
`registry_feed_enabled` (placement.config), it polls the feed, applies each batch (service.step), re-derives
people whose dates moved on (service.refresh), and waits `registry_feed_poll_seconds` once caught up. When the
registry, the gateway or the database is down it logs and retries with exponential back-off (tenacity, capped at
`registry_feed_max_backoff_seconds`); it never crashes the service and stops only when the app shuts down."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import date

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, wait_exponential_jitter

from placement.config import Settings
from placement.registry_feed import service
from placement.registry_feed.client import REGISTRY_FEED, RegistryFeedClient
from placement.registry_feed.service import FetchPage, StepResult, Transaction
from shared.http import ServiceClient
from shared.metrics import feed_progress
from shared.tasks import stop_task

logger = logging.getLogger("placement.registry_feed")
FEED = feed_progress("registry")


def transaction_of(sessionmaker: async_sessionmaker[AsyncSession]) -> Transaction:
    @asynccontextmanager
    async def transaction() -> AsyncIterator[AsyncSession]:
        async with sessionmaker() as session, session.begin():
            yield session

    return transaction


class Follower:
    def __init__(
        self,
        transaction: Transaction,
        fetch: FetchPage,
        *,
        batch_size: int,
        poll_seconds: float,
        max_backoff_seconds: float,
        today: Callable[[], date] = date.today,
    ) -> None:
        self.transaction = transaction
        self.fetch = fetch
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self.today = today
        self.failures = 0

    async def poll_once(self) -> StepResult:
        """One step and, once caught up, a refresh of the people whose derived facts are from an earlier day."""
        result = await service.step(self.transaction, self.fetch, batch_size=self.batch_size, today=self.today())
        FEED.polled(result.applied, caught_up=not result.has_more)
        if not result.has_more:
            await service.refresh(self.transaction, today=self.today())
        return result

    def _log_retry(self, state: RetryCallState) -> None:
        self.failures += 1
        FEED.failed()
        exc = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0
        logger.warning(
            "registry feed poll failed; retrying",
            extra={
                "error": type(exc).__name__,
                "detail": str(exc)[:200],
                "attempt": state.attempt_number,
                "wait": wait,
            },
        )

    async def poll_with_backoff(self) -> StepResult:
        retrying = AsyncRetrying(
            wait=wait_exponential_jitter(multiplier=0.5, max=self.max_backoff_seconds),
            retry=retry_if_exception_type(Exception),
            before_sleep=self._log_retry,
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await self.poll_once()
        raise AssertionError("unreachable")  # pragma: no cover

    async def run(self) -> None:
        logger.info("registry feed follower started")
        while True:
            result = await self.poll_with_backoff()
            if not result.has_more:
                await asyncio.sleep(self.poll_seconds)


async def start(app: FastAPI) -> None:
    """Lifespan hook: start the follower if the settings ask for it and this service has its client credentials."""
    settings: Settings = app.state.settings
    app.state.registry_feed_task = None
    if not settings.follows_registry_feed:
        return
    if not settings.service_client_id or settings.service_client_secret is None:
        logger.warning(
            "registry feed follower not started: PLACEMENT_SERVICE_CLIENT_ID / _SECRET are not set; the hand-over "
            "list and training shortfall will not see registry changes"
        )
        return
    gateway = ServiceClient(
        app.state.http, name="gateway", base_url=settings.gateway_url, retries=settings.http_retries
    )
    client = RegistryFeedClient(
        gateway,
        client_id=settings.service_client_id,
        client_secret=settings.service_client_secret.get_secret_value(),
    )
    follower = Follower(
        transaction_of(app.state.sessionmaker),
        client.fetcher(REGISTRY_FEED),
        batch_size=settings.registry_feed_batch_size,
        poll_seconds=settings.registry_feed_poll_seconds,
        max_backoff_seconds=settings.registry_feed_max_backoff_seconds,
    )
    app.state.registry_feed_task = asyncio.create_task(follower.run(), name="registry-feed-follower")


async def stop(app: FastAPI) -> None:
    await stop_task(getattr(app.state, "registry_feed_task", None))
