"""The background task that keeps the read model in step with the three sources: started in the app's lifespan when
`feeds_enabled` (reporting.config), it polls each feed, applies its pages (service.step), re-derives the people whose
facts changed (service.derive_dirty), and waits `feed_poll_seconds` once everything is caught up.

Each feed backs off on its own (exponential with jitter, capped at `feed_max_backoff_seconds`): with the subsidy
service down the registry and placement keep flowing, and the failing source's cursor row says since when it is stale
("data as of" in every report). Nothing here ever takes the service down; it stops when the app shuts down."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import random
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reporting.config import Settings
from reporting.readmodel import service
from reporting.readmodel.client import FeedClient
from reporting.readmodel.events import FEEDS, FeedPage
from reporting.readmodel.repository import ReadModelRepository
from reporting.readmodel.rules import RuleConfig
from reporting.readmodel.service import FetchPage, Transaction
from shared.http import ServiceClient
from shared.metrics import feed_progress
from shared.tasks import stop_task

logger = logging.getLogger("reporting.readmodel")


def transaction_of(sessionmaker: async_sessionmaker[AsyncSession]) -> Transaction:
    @asynccontextmanager
    async def transaction() -> AsyncIterator[AsyncSession]:
        async with sessionmaker() as session, session.begin():
            yield session

    return transaction


def _retrieved(task: asyncio.Task) -> None:
    """A read-ahead nobody awaits any more: its failure is not worth a warning (the next fetch tries again)."""
    if not task.cancelled():
        task.exception()


class ReadAhead:
    """A feed's fetch that asks for the next page as soon as it has one, so the source serves page N+1 while this
    service stores page N (without it each page waited for the one before to be stored: source, transport and
    database took turns). The page read ahead is used only if the next call asks for exactly its cursor; a feed's
    page after a cursor never changes (shared.outbox: a cursor is final), so it is the page a later request would
    have brought, or an earlier part of it. `service.step` still checks the stored cursor under its lock: nothing
    about delivery or the cursor changes."""

    def __init__(self, fetch: FetchPage) -> None:
        self.fetch = fetch
        self.pending: tuple[str | None, int, asyncio.Task[FeedPage]] | None = None

    async def __call__(self, after: str | None, limit: int) -> FeedPage:
        pending, self.pending = self.pending, None
        if pending is not None and pending[:2] == (after, limit):
            page = await pending[2]
        else:
            self.discard(pending)
            page = await self.fetch(after, limit)
        if page.has_more and page.items:
            task = asyncio.ensure_future(self.fetch(page.next_cursor, limit))
            task.add_done_callback(_retrieved)
            self.pending = (page.next_cursor, limit, task)
        return page

    @staticmethod
    def discard(pending: tuple[str | None, int, asyncio.Task[FeedPage]] | None) -> None:
        if pending is not None:
            pending[2].cancel()


@dataclass
class FeedState:
    fetch: FetchPage
    failures: int = 0
    retry_at: float = 0.0
    cursor: list[str | None] = field(default_factory=list)
    """The cursor this follower stored last (empty: read it from the database)."""


@dataclass
class Follower:
    transaction: Transaction
    fetchers: Mapping[str, FetchPage]
    config: RuleConfig
    batch_size: int = 200
    derive_batch_size: int = 1000
    poll_seconds: float = 2.0
    max_backoff_seconds: float = 60.0
    derive_every_seconds: float = 10.0
    """While a feed still has more, derive at least this often (else only once caught up: a person whose events are
    spread over many pages is then derived once, not once per page)."""
    clock: Callable[[], float] = time.monotonic
    read_ahead: bool = True
    """Fetch a feed's next page while the current one is stored (ReadAhead)."""
    derive: bool = True
    """Derive in this loop. False when derivation workers (readmodel.deriver, one partition each) run beside it:
    the loop then only reads the feeds and stores their facts."""
    states: dict[str, FeedState] = field(default_factory=dict)
    last_derived: float = 0.0

    def __post_init__(self) -> None:
        self.states = {
            feed: FeedState(ReadAhead(fetch) if self.read_ahead else fetch) for feed, fetch in self.fetchers.items()
        }

    def _backoff(self, failures: int) -> float:
        return min(self.max_backoff_seconds, 0.5 * 2 ** min(failures, 16)) * random.uniform(0.5, 1.0)  # noqa: S311 (jitter)

    async def _step(self, feed: str, state: FeedState) -> bool | None:
        """One step of one feed: whether it has more (None: it failed and backs off)."""
        try:
            result = await service.step(
                self.transaction, feed, state.fetch, batch_size=self.batch_size, known=state.cursor
            )
        except Exception as exc:
            feed_progress(feed).failed()
            state.cursor.clear()
            state.failures += 1
            wait = self._backoff(state.failures)
            state.retry_at = self.clock() + wait
            logger.warning(
                "feed poll failed; retrying",
                extra={"feed": feed, "error": type(exc).__name__, "detail": str(exc)[:200], "wait": round(wait, 2)},
            )
            await self._record_error(feed, f"{type(exc).__name__}: {exc}"[:300])
            return None
        state.failures = 0
        feed_progress(feed).polled(result.applied, caught_up=not result.has_more)
        return result.has_more

    async def poll_round(self) -> bool:
        """One step of every feed that is due (the feeds side by side: one's database wait is another's parsing),
        then one derivation batch; True when there is more to do at once."""
        now = self.clock()
        due = [(feed, state) for feed, state in self.states.items() if state.retry_at <= now]
        results = await asyncio.gather(*(self._step(feed, state) for feed, state in due))
        busy = any(results)
        if not self.derive:
            return busy
        if busy and self.clock() - self.last_derived < self.derive_every_seconds:
            return True
        self.last_derived = self.clock()
        try:
            derived = await service.derive_dirty(self.transaction, self.config, batch_size=self.derive_batch_size)
        except Exception as exc:
            logger.warning("deriving failed; retrying", extra={"error": type(exc).__name__, "detail": str(exc)[:200]})
            return False
        return busy or derived >= self.derive_batch_size

    async def _record_error(self, feed: str, message: str) -> None:
        with contextlib.suppress(Exception):
            async with self.transaction() as session:
                await ReadModelRepository(session).record_error(feed, datetime.now(UTC), message)

    async def run(self) -> None:
        logger.info("feed follower started", extra={"feeds": sorted(self.states)})
        while True:
            if not await self.poll_round():
                await asyncio.sleep(self.poll_seconds)


def rule_config(settings: Settings) -> RuleConfig:
    return RuleConfig(
        consolidation_years=settings.consolidation_years,
        min_age=settings.working_age_min,
        max_age=settings.working_age_max,
    )


def follower_of(settings: Settings, transaction: Transaction, fetchers: Mapping[str, FetchPage]) -> Follower:
    """The service's follower as its settings describe it (also whether it derives, or leaves that to workers)."""
    return Follower(
        transaction,
        dict(fetchers),
        rule_config(settings),
        batch_size=settings.feed_batch_size,
        derive_batch_size=settings.derive_batch_size,
        poll_seconds=settings.feed_poll_seconds,
        max_backoff_seconds=settings.feed_max_backoff_seconds,
        derive=settings.follower_derives,
    )


def freeze_heap() -> None:
    """Move everything the process holds by now (the imported modules, the app) out of the garbage collector's reach:
    its full collections, triggered again and again by the many short-lived objects of a page or a derivation batch,
    walked that whole heap each time, which was half of a derivation's CPU (65 of 130 us a person). Call once the
    process is set up, before the follower or a derivation worker starts; objects made later are collected as
    before."""
    gc.freeze()


async def start(app: FastAPI) -> None:
    """Lifespan hook: start the follower if the settings ask for it and this service has its client credentials."""
    settings: Settings = app.state.settings
    app.state.feed_task = None
    if not settings.follows_feeds:
        return
    if not settings.service_client_id or settings.service_client_secret is None:
        logger.warning(
            "feed follower not started: REPORTING_SERVICE_CLIENT_ID / _SECRET are not set; reports answer from the "
            "read model as it stands"
        )
        return
    gateway = ServiceClient(
        app.state.http, name="gateway", base_url=settings.gateway_url, retries=settings.http_retries
    )
    client = FeedClient(
        gateway, client_id=settings.service_client_id, client_secret=settings.service_client_secret.get_secret_value()
    )
    follower = follower_of(
        settings,
        transaction_of(app.state.sessionmaker),
        {feed: client.fetcher(feed) for feed in FEEDS if feed in settings.feeds},
    )
    freeze_heap()
    app.state.feed_task = asyncio.create_task(follower.run(), name="reporting-feed-follower")


async def stop(app: FastAPI) -> None:
    await stop_task(getattr(app.state, "feed_task", None))
