"""Prometheus metrics of every process (prometheus-client), served on a listener of their own.

`/metrics` is never part of the API: with `<SVC>_METRICS_PORT` set, each process serves its metrics on
`<SVC>_METRICS_HOST:<SVC>_METRICS_PORT` (prometheus-client's own HTTP server, a thread), a port the gateway does not
route and docker compose does not publish; unset, there is no metrics listener at all.

What is measured, with bounded labels only (route templates, never paths or query strings; methods outside the
HTTP set count as `other`):
- `qihang_http_requests_total` and `qihang_http_request_duration_seconds` by service, method, route template and
  status (the gateway's proxied requests by its route-table prefix, `/api/v1/persons/{path:path}`);
- `qihang_db_pool_*`: the connection pool's size, connections in use, overflow and limit, read when scraped;
- `qihang_feed_*` for a service that follows another's event feed: events applied, failed polls, when it last had
  read everything the source had, and the lag since then (`feed_progress`);
- `qihang_jobs_*` and `qihang_job_rows_total` for background jobs (imports): running, finished by outcome, rows
  done by outcome (`job_progress`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from prometheus_client import REGISTRY, Counter, Gauge, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.routing import Match, Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.asgi import HttpMiddleware

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

HTTP_REQUESTS = Counter(
    "qihang_http_requests_total",
    "HTTP requests answered, by route template and status.",
    ["service", "method", "route", "status"],
)
HTTP_DURATION = Histogram(
    "qihang_http_request_duration_seconds",
    "Time from the request's arrival to the end of its answer, by route template and status.",
    ["service", "method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
FEED_EVENTS = Counter("qihang_feed_events_total", "Events read from a followed feed.", ["feed"])
FEED_FAILURES = Counter("qihang_feed_poll_failures_total", "Polls of a followed feed that failed.", ["feed"])
FEED_CAUGHT_UP = Gauge(
    "qihang_feed_caught_up_timestamp_seconds",
    "When this process last read a followed feed to its end (Unix time).",
    ["feed"],
)
WEBHOOK_ATTEMPTS = Counter(
    "qihang_webhook_deliveries_total",
    "Webhook delivery attempts this process made, by outcome (delivered, failed).",
    ["service", "outcome"],
)
WEBHOOK_DURATION = Histogram(
    "qihang_webhook_delivery_duration_seconds",
    "Time a subscriber took to answer a webhook delivery (or to fail it).",
    ["service"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
JOBS_RUNNING = Gauge("qihang_jobs_running", "Background jobs running in this process.", ["kind"])
JOBS_FINISHED = Counter("qihang_jobs_finished_total", "Background jobs ended, by outcome.", ["kind", "status"])
JOB_ROWS = Counter(
    "qihang_job_rows_total",
    "Rows background jobs have done, by outcome (created, skipped, failed).",
    ["kind", "outcome"],
)


def _template(scope: Scope, original: Scope, routes: list[Any]) -> str:
    route = scope.get("route")
    path = getattr(route, "path_format", None) or getattr(route, "path", None)  # the template without convertors
    if path:
        return path
    # Plain Starlette routes and mounts (docs, the OpenAPI document, the docs' assets) leave no route in the scope.
    for route in routes:
        if isinstance(route, Route | Mount) and route.matches(original)[0] is Match.FULL:
            return f"{route.path}/{{path:path}}" if isinstance(route, Mount) else route.path
    return "unmatched"


class MetricsMiddleware(HttpMiddleware):
    """Counts and times every HTTP request by its route template (pure ASGI: streamed answers are timed to their
    last byte)."""

    def __init__(self, app: ASGIApp, service: str, routes: list[Any]) -> None:
        super().__init__(app)
        self.service = service
        self.routes = routes

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        original = dict(scope)
        status = 500
        start = time.perf_counter()

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            method = scope["method"] if scope["method"] in METHODS else "other"
            labels = (self.service, method, _template(scope, original, self.routes), str(status))
            HTTP_REQUESTS.labels(*labels).inc()
            HTTP_DURATION.labels(*labels).observe(time.perf_counter() - start)


class PoolCollector(Collector):
    """The connection pools of this process's apps, read when scraped (one per service name: the latest app's)."""

    def __init__(self) -> None:
        self.pools: dict[str, Any] = {}
        self.lock = threading.Lock()

    def watch(self, service: str, engine: Any, *, max_overflow: int) -> None:
        with self.lock:
            self.pools[service] = (engine.pool, max_overflow)

    def forget(self, service: str, engine: Any) -> None:
        with self.lock:
            if self.pools.get(service, (None,))[0] is engine.pool:
                del self.pools[service]

    def collect(self) -> Iterator[GaugeMetricFamily]:
        size = GaugeMetricFamily("qihang_db_pool_size", "Connections the pool keeps.", labels=["service"])
        used = GaugeMetricFamily("qihang_db_pool_checked_out", "Connections in use now.", labels=["service"])
        over = GaugeMetricFamily("qihang_db_pool_overflow", "Connections beyond the pool size.", labels=["service"])
        limit = GaugeMetricFamily(
            "qihang_db_pool_max", "Most connections the pool opens (size + max overflow).", labels=["service"]
        )
        with self.lock:
            pools = list(self.pools.items())
        for service, (pool, max_overflow) in pools:
            size.add_metric([service], pool.size())
            used.add_metric([service], pool.checkedout())
            over.add_metric([service], max(pool.overflow(), 0))
            limit.add_metric([service], pool.size() + max_overflow)
        yield from (size, used, over, limit)


class FeedLagCollector(Collector):
    """`qihang_feed_lag_seconds`: how long since a followed feed was last read to its end."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        lag = GaugeMetricFamily(
            "qihang_feed_lag_seconds",
            "Seconds since this process last read a followed feed to its end: everything the source had recorded "
            "before then is applied.",
            labels=["feed"],
        )
        now = time.time()
        for metric in FEED_CAUGHT_UP.collect():
            for sample in metric.samples:
                if sample.value > 0:
                    lag.add_metric([sample.labels["feed"]], max(now - sample.value, 0.0))
        yield lag


POOLS = PoolCollector()
REGISTRY.register(POOLS)
REGISTRY.register(FeedLagCollector())


@dataclass(frozen=True, slots=True)
class FeedProgress:
    """What a feed follower reports after each poll."""

    feed: str

    def polled(self, events: int, *, caught_up: bool) -> None:
        FEED_EVENTS.labels(self.feed).inc(events)
        if caught_up:
            FEED_CAUGHT_UP.labels(self.feed).set(time.time())

    def failed(self) -> None:
        FEED_FAILURES.labels(self.feed).inc()


def feed_progress(feed: str) -> FeedProgress:
    return FeedProgress(feed)


@dataclass(frozen=True, slots=True)
class JobProgress:
    """What a background job reports: started, rows done by outcome, ended."""

    kind: str

    def started(self) -> None:
        JOBS_RUNNING.labels(self.kind).inc()

    def rows(self, outcome: str, count: int) -> None:
        if count:
            JOB_ROWS.labels(self.kind, outcome).inc(count)

    def ended(self, status: str) -> None:
        JOBS_RUNNING.labels(self.kind).dec()
        JOBS_FINISHED.labels(self.kind, status).inc()


def job_progress(kind: str) -> JobProgress:
    return JobProgress(kind)


class MetricsServer:
    """prometheus-client's HTTP server on its own port, for as long as the app runs."""

    def __init__(self, host: str, port: int) -> None:
        self.server, self.thread = start_http_server(port, addr=host, registry=REGISTRY)

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
