"""The reporting service at county scale (issue 10, "Performance").

1. **Rebuild from zero**: a fresh bench database `qihang_bench_reporting`, then every event of a generated county
   (bench.reporting_generate: N people, about 6 events each, the registry's and placement's feeds as JSON pages of
   `--page` events, default 1,000) applied through the follower's own code (`reporting.readmodel.service.step`,
   then `derive_dirty` until nothing is left), exactly as the service does it, with the feeds served in-process: the
   time spent generating the pages is measured and left out. Events per second for the apply and the derivation.
   With `--http` the events are written into the registry's and placement's own outbox tables instead and served
   over HTTP by those services (uvicorn processes, their real feed routes); the follower's own `FeedClient` reads
   them straight from each service (the gateway's hop left out), reading ahead as the follower does. A fetch-only
   pass, the apply and the derivation are timed apart, with the CPU each process used (the sources, their
   PostgreSQL backends, this process, reporting's backends) per event.
2. **Catching up**: another `--catch-up` people's events (new and existing jurisdictions) on top of the full read
   model, through the same follower round (`Follower.poll_round`, which steps each feed and derives).
3. **Reports**: the reporting service as a uvicorn process (port 18950, a throw-away signing key served as JWKS on
   18951), measured at the client one request at a time: the county-by-jurisdiction report for a random date
   (`GET /api/v1/reports/indicators?period=YYYY-MM-DD`) and a 12-month trend; beside it the same aggregates run raw
   through asyncpg on the read model: the service's own statement (monthly and daily sums) and the naive aggregate
   over the people's intervals (what the sums replace).

`--direct N` skips 1 and 2 and writes N people's intervals straight into the read model with SQL (five consecutive
intervals a person with consistent flags, then the daily and monthly sums aggregated from them as the follower
keeps them), to measure 3 at the issue's scale (`--direct 1000000`: 5 million intervals) in minutes.

Writes its table into docs/benchmarks.md between the bench:reporting-volume markers (`--no-record`: print only).
`--http --rebuild-only` fills the outboxes, then only rebuilds from zero with the follower storing facts and
`--rebuild-workers` derivation workers (default 1) beside it, and times 3: the issue's full rebuild in one run.

Develop at small scale (`--people 20000`). The generator writes about 5.8 events a person (200,000 people: 1,161,122
events), so the issue's 10 million events are `--people 1720000`; its 1,000,000 people are about 5.8 million.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import random
import subprocess
import sys
import time
from contextlib import asynccontextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from bench import reporting_generate as gen
from bench.generate_registry import server_url_or_embedded
from bench.registry_volume import Keys, machine, record_section, summary, wait_ready
from reporting.readmodel import deriver, service
from reporting.readmodel.client import FeedClient
from reporting.readmodel.follower import Follower, ReadAhead, freeze_heap
from reporting.readmodel.models import COUNT_COLUMNS
from reporting.readmodel.rules import RuleConfig
from scripts.localdb import DATA_DIR, asyncpg_dsn, ensure_database
from scripts.run import uvicorn_command
from shared.config import database_url_for
from shared.http import ServiceClient
from shared.migrations import upgrade

ROOT = Path(__file__).resolve().parent.parent
PORT = int(os.environ.get("BENCH_REPORTING_PORT", "18950"))
"""The bench's ports: this, +1 (JWKS), +2 and +3 (the registry and placement sources). Several sessions share the
machine: give each its own (and its own BENCH_REPORTING_DATABASE)."""
JWKS_PORT = PORT + 1
DATABASE = os.environ.get("BENCH_REPORTING_DATABASE", "qihang_bench_reporting")
OUT_DIR = DATA_DIR / "bench"


def transaction_of(engine):
    @asynccontextmanager
    async def transaction():
        async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
            yield session

    return transaction


async def apply_all(engine, pages: dict[str, gen.Pages], *, limit: int, derive_batch: int) -> dict[str, float]:
    """Every page of every feed through service.step, then derive every dirty person; timings."""
    tx = transaction_of(engine)
    started = time.perf_counter()
    steps = 0
    more = {name: True for name in pages}
    while any(more.values()):
        for name, feed in pages.items():
            if more[name]:
                result = await service.step(tx, name, feed.fetch, batch_size=limit)
                more[name] = result.has_more
                steps += 1
    applied = time.perf_counter() - started
    generating = sum(p.generating_seconds for p in pages.values())
    started = time.perf_counter()
    derived = await service.derive_all_dirty(tx, RuleConfig(), batch_size=derive_batch)
    deriving = time.perf_counter() - started
    return {
        "apply_s": applied - generating,
        "generate_s": generating,
        "derive_s": deriving,
        "derived": derived,
        "steps": steps,
    }


async def catch_up(engine, pages: dict[str, gen.Pages], *, limit: int, derive_batch: int) -> dict[str, float]:
    """The follower's own rounds (step every feed, derive) until nothing is left."""
    follower = Follower(
        transaction_of(engine),
        {n: p.fetch for n, p in pages.items()},
        RuleConfig(),
        batch_size=limit,
        derive_batch_size=derive_batch,
    )
    started = time.perf_counter()
    rounds = 0
    while await follower.poll_round():
        rounds += 1
    while await service.derive_dirty(transaction_of(engine), RuleConfig(), batch_size=derive_batch):
        pass
    total = time.perf_counter() - started
    generating = sum(p.generating_seconds for p in pages.values())
    return {"total_s": total - generating, "generate_s": generating, "rounds": rounds}


# --- Over HTTP: the real sources' feeds ---------------------------------------------------------------------------

SOURCES = {
    "registry": ("registry.main:create_app", PORT + 2),
    "placement": ("placement.main:create_app", PORT + 3),
}
OUTBOX_COLUMNS = ("kind", "aggregate_type", "aggregate_id", "at", "data")


def source_database(feed: str) -> str:
    return f"{DATABASE}_{feed}"


async def fill_outboxes(server_url: str, people: int, *, seed: int, first_person: int = 0) -> dict[str, Any]:
    """A county's events written into the registry's and placement's own outbox tables (fresh bench databases,
    migrated): what their feeds then serve. One transaction a chunk of 5,000 people, as many writers would."""
    county = gen.County(people, seed=seed, first_person=first_person)
    conns = {}
    started = time.perf_counter()
    for feed in SOURCES:
        if first_person == 0:
            ensure_database(server_url, source_database(feed), recreate=True)
            upgrade(feed, database_url_for(server_url, source_database(feed)))
        dsn, extra = asyncpg_dsn(server_url, source_database(feed))
        conns[feed] = await asyncpg.connect(dsn, **extra)
    try:
        for chunk in county.chunks():
            for feed, events in chunk.items():
                records = [
                    (kind, type_, aggregate_id, gen.RECORDED, json.dumps({k: gen._iso(v) for k, v in d.items()}))
                    for kind, type_, aggregate_id, d in events
                ]
                county.stats.events[feed] += len(records)
                await conns[feed].copy_records_to_table("outbox_event", records=records, columns=OUTBOX_COLUMNS)
        for conn in conns.values():
            await conn.execute("VACUUM ANALYZE outbox_event")
    finally:
        for conn in conns.values():
            await conn.close()
    return {"events": county.stats.total, "by_feed": dict(county.stats.events), "fill_s": time.perf_counter() - started}


def start_sources(server_url: str) -> list[subprocess.Popen]:
    """The registry and placement services as uvicorn processes on the bench databases (their own feeds' code:
    shared.outbox's read and route), trusting the bench's signing key."""
    procs = []
    for feed, (app, port) in SOURCES.items():
        with contextlib.suppress(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            raise SystemExit(f"port {port} is taken (a source left running?): it would answer instead of {feed}")
        prefix = feed.upper()
        env = os.environ | {
            f"{prefix}_DATABASE_URL": database_url_for(server_url, source_database(feed)),
            f"{prefix}_ENVIRONMENT": "development",
            f"{prefix}_JWKS_URL": f"http://127.0.0.1:{JWKS_PORT}/",
            f"{prefix}_LOG_JSON": "true",
            f"{prefix}_REVOCATION_CHECK_ENABLED": "false",
            "PLACEMENT_REGISTRY_FEED_ENABLED": "false",
        }
        cmd = uvicorn_command(app, port, "--no-access-log")
        log = (OUT_DIR / f"reporting_volume_{feed}.log").open("wb")
        procs.append(
            subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        )
    for _feed, (_app, port) in SOURCES.items():
        wait_ready(f"http://127.0.0.1:{port}/healthz")
    return procs


def cpu_seconds(procs: list[subprocess.Popen]) -> float:
    """User + system CPU the source processes have used so far (Linux /proc)."""
    total = 0
    for proc in procs:
        fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def postgres_cpu(*databases: str) -> float:
    """User + system CPU used so far by the PostgreSQL backends connected to these databases (the server on this
    machine; its process titles name the database). A backend that ended in between is not counted."""
    ticks = 0
    wanted = {d.encode() for d in databases}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            title = (entry / "cmdline").read_bytes()
            if title.startswith(b"postgres:") and wanted & set(title.split()):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


class BenchToken:
    """Stands in for the gateway's client-credentials token (a county NCO token signed with the bench key)."""

    def __init__(self, token: str) -> None:
        self.value = token

    async def token(self) -> str:
        return self.value


def http_fetchers(http: httpx.AsyncClient, token: str) -> dict[str, Any]:
    """The follower's own FeedClient, each pointed at its source directly (the gateway's hop left out)."""
    out = {}
    for feed, (_app, port) in SOURCES.items():
        client = FeedClient(
            ServiceClient(http, name=feed, base_url=f"http://127.0.0.1:{port}"), client_id="bench", client_secret="-"
        )
        client.tokens = BenchToken(token)  # type: ignore[assignment]
        out[feed] = client.fetcher(feed)
    return out


async def fetch_only(fetchers: dict[str, Any], limit: int) -> dict[str, float]:
    """Every page of every feed read over HTTP and parsed (FeedPage), nothing applied: what the sources and the
    transport cost alone. The feeds side by side, as the follower reads them."""

    async def one(fetch: Any) -> int:
        after, n, more = None, 0, True
        while more:
            page = await fetch(after, limit)
            after, more, n = page.next_cursor, page.has_more, n + len(page.items)
        return n

    started, cpu = time.perf_counter(), time.process_time()
    counts = await asyncio.gather(*(one(f) for f in fetchers.values()))
    return {"s": time.perf_counter() - started, "cpu_s": time.process_time() - cpu, "events": sum(counts)}


async def apply_http(
    engine, fetchers: dict[str, Any], *, limit: int, derive_batch: int, pg_cpu: Any = lambda: 0.0
) -> dict[str, float]:
    """Rebuild over HTTP: every feed's pages through service.step side by side, each feed reading its next page
    while storing one (as Follower.poll_round steps them), then derive every dirty person; the two phases timed
    apart."""
    fetchers = {feed: ReadAhead(fetch) for feed, fetch in fetchers.items()}
    tx = transaction_of(engine)
    known = {feed: [] for feed in fetchers}
    started, cpu = time.perf_counter(), time.process_time()
    more = dict.fromkeys(fetchers, True)
    pages = 0
    while any(more.values()):
        due = [feed for feed in fetchers if more[feed]]
        results = await asyncio.gather(
            *(service.step(tx, f, fetchers[f], batch_size=limit, known=known[f]) for f in due)
        )
        for feed, result in zip(due, results, strict=True):
            more[feed] = result.has_more
        pages += len(due)
    applied, applied_cpu = time.perf_counter() - started, time.process_time() - cpu
    pg_applied = pg_cpu()
    started, cpu = time.perf_counter(), time.process_time()
    derived = await service.derive_all_dirty(tx, RuleConfig(), batch_size=derive_batch)
    return {
        "apply_s": applied,
        "apply_cpu_s": applied_cpu,
        "apply_pg_cpu_at": pg_applied,
        "derive_pg_cpu_at": pg_cpu(),
        "derive_s": time.perf_counter() - started,
        "derive_cpu_s": time.process_time() - cpu,
        "derived": derived,
        "pages": pages,
    }


def derive_worker(url: str, partition: tuple[int, int], batch: int, finish: Any) -> None:
    """A derivation worker process (reporting.readmodel.deriver) on the bench database, until `finish` is set and
    its partition has nobody left."""

    async def go() -> None:
        engine = create_async_engine(url, pool_size=1, max_overflow=0)
        freeze_heap()  # as reporting.readmodel.deriver's main does
        try:
            await deriver.run(
                transaction_of(engine), RuleConfig(), partition, batch_size=batch, finish_when_idle=finish.is_set
            )
        finally:
            await engine.dispose()

    asyncio.run(go())


async def catch_up_http(
    engine, fetchers: dict[str, Any], *, limit: int, derive_batch: int, workers: int = 0
) -> dict[str, float]:
    """Catching up over HTTP: the follower's own rounds (Follower.poll_round) until nothing is left. With `workers`,
    the follower only stores facts and that many processes derive a partition each (readmodel.deriver)."""
    follower = Follower(
        transaction_of(engine),
        fetchers,
        RuleConfig(),
        batch_size=limit,
        derive_batch_size=derive_batch,
        derive=not workers,
    )
    context = multiprocessing.get_context("spawn")
    finish = context.Event()
    url = engine.url.render_as_string(hide_password=False)
    procs = [
        context.Process(target=derive_worker, args=(url, (k, workers), derive_batch, finish)) for k in range(workers)
    ]
    started, cpu = time.perf_counter(), time.process_time()
    for proc in procs:
        proc.start()
    rounds = 0
    while await follower.poll_round():
        rounds += 1
    finish.set()
    for proc in procs:
        await asyncio.to_thread(proc.join)
    while await service.derive_dirty(transaction_of(engine), RuleConfig(), batch_size=derive_batch):
        pass
    return {
        "total_s": time.perf_counter() - started,
        "cpu_s": time.process_time() - cpu,
        "rounds": rounds,
        "workers": workers,
    }


async def rebuild_with_workers(
    engine, fetchers: dict[str, Any], *, events: int, limit: int, derive_batch: int, workers: int
) -> dict[str, float]:
    """A rebuild from zero of everything the feeds hold (`service.rebuild`, as POST /read-model/rebuild does), the
    follower storing facts (Follower.poll_round, derive=False) while `workers` derivation processes derive beside it:
    how a deployment with REPORTING_FOLLOWER_DERIVES=false and deriver workers rebuilds."""
    async with transaction_of(engine)() as session:
        await service.rebuild(session)
    return {
        **await catch_up_http(engine, fetchers, limit=limit, derive_batch=derive_batch, workers=workers),
        "events": events,
    }


async def run_http(args: argparse.Namespace, server_url: str, keys: Keys) -> dict[str, Any]:
    """Rebuild and catch-up with the feeds read over HTTP from the real registry and placement services."""
    out: dict[str, Any] = {}
    url = database_url_for(server_url, DATABASE)
    ensure_database(server_url, DATABASE, recreate=True)
    upgrade("reporting", url)
    out["fill"] = await fill_outboxes(server_url, args.people, seed=args.seed)
    procs = start_sources(server_url)
    token = keys.token(department="nco", jurisdiction=None)
    try:
        async with httpx.AsyncClient(timeout=120) as http:
            fetchers = http_fetchers(http, token)
            sources = [source_database(feed) for feed in SOURCES]
            engine = create_async_engine(url, pool_size=3)
            if not args.rebuild_only:
                await fetch_only(fetchers, args.page)  # warm-up: the sources' first requests set up their connections
                before, pg_before = cpu_seconds(procs), postgres_cpu(*sources)
                out["fetch_only"] = await fetch_only(fetchers, args.page)
                out["fetch_only"]["source_cpu_s"] = cpu_seconds(procs) - before
                out["fetch_only"]["source_pg_cpu_s"] = postgres_cpu(*sources) - pg_before
                before, pg_before = cpu_seconds(procs), postgres_cpu(*sources)
                pg_mine = postgres_cpu(DATABASE)
                out["rebuild"] = await apply_http(
                    engine,
                    fetchers,
                    limit=args.page,
                    derive_batch=args.derive_batch,
                    pg_cpu=lambda: postgres_cpu(DATABASE),
                )
                out["rebuild"]["source_cpu_s"] = cpu_seconds(procs) - before
                out["rebuild"]["source_pg_cpu_s"] = postgres_cpu(*sources) - pg_before
                out["rebuild"]["pg_cpu_start"] = pg_mine
                out["rebuild"]["events"] = out["fill"]["events"]
                if args.catch_up:
                    more = await fill_outboxes(server_url, args.catch_up, seed=args.seed + 1, first_person=args.people)
                    out["catch_up"] = await catch_up_http(
                        engine, fetchers, limit=args.page, derive_batch=args.derive_batch
                    )
                    out["catch_up"]["events"] = more["events"]
                    if args.derive_workers:
                        # The same again with derivation workers: another county's events of the same size.
                        again = await fill_outboxes(
                            server_url, args.catch_up, seed=args.seed + 2, first_person=args.people + args.catch_up
                        )
                        out["catch_up_workers"] = await catch_up_http(
                            engine,
                            fetchers,
                            limit=args.page,
                            derive_batch=args.derive_batch,
                            workers=args.derive_workers,
                        )
                        out["catch_up_workers"]["events"] = again["events"]
            if args.rebuild_workers or args.rebuild_only:
                held = out["fill"]["events"] + sum(
                    out[k]["events"] for k in ("catch_up", "catch_up_workers") if k in out
                )
                out["rebuild_workers"] = await rebuild_with_workers(
                    engine,
                    fetchers,
                    events=held,
                    limit=args.page,
                    derive_batch=args.derive_batch,
                    workers=args.rebuild_workers or 1,
                )
            await engine.dispose()
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=20)
    return out


FLAG_SETS = [1, 3, 5, 7, 11, 27, 59, 91, 123, 75, 15, 31, 63, 95]
"""Consistent flag combinations (readmodel.rules): on record; controlled; consolidated; community; eligible; placed
among the eligible; training coverage base/trained among the eligible."""
DIRECT_INTERVALS = """
INSERT INTO rm_person_interval (person_id, valid_from, valid_to, jurisdiction_code, flags)
SELECT md5(g::text)::uuid,
       p.d0 + k * p.step,
       CASE WHEN k = 4 THEN NULL ELSE p.d0 + (k + 1) * p.step END,
       p.jur,
       (ARRAY{flags})[1 + ((g * 7 + k * 13) % {n_flags})]
FROM generate_series($1::int, $2::int) g
CROSS JOIN LATERAL (SELECT DATE '2008-01-01' + (hashint4(g) & 4095) % 2900 AS d0,
                           200 + (hashint4(g + 1) & 1023) % 500 AS step,
                           (ARRAY{jurisdictions})[1 + (hashint4(g + 2) & 255) % 14] AS jur) p
CROSS JOIN generate_series(0, 4) k
"""
DIRECT_COUNTS = """
INSERT INTO {table} ({key}, jurisdiction_code, {cols})
SELECT {bucket}, jurisdiction_code, {sums} FROM (
  SELECT valid_from AS day, jurisdiction_code, 1 AS sign, flags FROM rm_person_interval
  UNION ALL
  SELECT valid_to, jurisdiction_code, -1, flags FROM rm_person_interval WHERE valid_to IS NOT NULL
) d GROUP BY 1, 2
"""


async def fill_direct(server_url: str, people: int) -> dict[str, Any]:
    from reporting.readmodel.service import FLAG_COLUMNS
    from shared.reference import JURISDICTIONS

    dsn, extra = asyncpg_dsn(server_url, DATABASE)
    conn = await asyncpg.connect(dsn, **extra)
    started = time.perf_counter()
    try:
        flags = "[" + ",".join(str(f) for f in FLAG_SETS) + "]"
        jurisdictions = "[" + ",".join(f"'{c}'" for c in JURISDICTIONS) + "]"
        statement = DIRECT_INTERVALS.format(flags=flags, n_flags=len(FLAG_SETS), jurisdictions=jurisdictions)
        for first in range(1, people + 1, 100_000):
            await conn.execute(statement, first, min(first + 99_999, people))
        cols = ", ".join(COUNT_COLUMNS)
        sums = ", ".join(f"sum(CASE WHEN flags & {b} = {b} THEN sign ELSE 0 END)" for _c, b in FLAG_COLUMNS)
        for table, key, bucket in (
            ("rm_daily_count", "day", "day"),
            ("rm_monthly_count", "month", "date_trunc('month', day)::date"),
        ):
            await conn.execute(DIRECT_COUNTS.format(table=table, key=key, cols=cols, bucket=bucket, sums=sums))
        await conn.execute("VACUUM ANALYZE")
        rows = {
            t: await conn.fetchval(f"SELECT count(*) FROM {t}")
            for t in ("rm_person_interval", "rm_daily_count", "rm_monthly_count")
        }
    finally:
        await conn.close()
    return {"seconds": time.perf_counter() - started, "rows": rows}


SERVICE_SQL = """
SELECT jurisdiction_code, {sums} FROM (
  SELECT jurisdiction_code, {cols} FROM rm_monthly_count WHERE month < $1
  UNION ALL
  SELECT jurisdiction_code, {cols} FROM rm_daily_count WHERE day >= $1 AND day <= $2
) s GROUP BY jurisdiction_code
"""
NAIVE_SQL = """
SELECT jurisdiction_code, {filters} FROM rm_person_interval
WHERE valid_from <= $1 AND (valid_to IS NULL OR valid_to > $1) GROUP BY jurisdiction_code
"""
TREND_SQL = """
SELECT month, jurisdiction_code, {running} FROM rm_monthly_count WHERE month <= $1
"""


def sql() -> dict[str, str]:
    from reporting.readmodel.service import FLAG_COLUMNS

    cols = ", ".join(COUNT_COLUMNS)
    return {
        "service": SERVICE_SQL.format(sums=", ".join(f"sum({c})" for c in COUNT_COLUMNS), cols=cols),
        "naive": NAIVE_SQL.format(
            filters=", ".join(f"count(*) FILTER (WHERE flags & {b} = {b})" for _c, b in FLAG_COLUMNS)
        ),
        "trend": TREND_SQL.format(
            running=", ".join(f"sum({c}) OVER (PARTITION BY jurisdiction_code ORDER BY month)" for c in COUNT_COLUMNS)
        ),
    }


def random_days(n: int, seed: int) -> list[date]:
    r = random.Random(seed)
    return [date(2010, 1, 1) + timedelta(days=r.randrange(365 * 8)) for _ in range(n)]


async def raw_times(server_url: str, days: list[date]) -> dict[str, list[float]]:
    statements = sql()
    dsn, extra = asyncpg_dsn(server_url, DATABASE)
    conn = await asyncpg.connect(dsn, server_settings={"plan_cache_mode": "force_custom_plan"}, **extra)
    out: dict[str, list[float]] = {"service": [], "naive": [], "trend": []}
    try:
        for day in days:
            for name, args in (
                ("service", (day.replace(day=1), day)),
                ("naive", (day,)),
                ("trend", (day.replace(day=1),)),
            ):
                started = time.perf_counter()
                await conn.fetch(statements[name], *args)
                out[name].append((time.perf_counter() - started) * 1000)
        # The precomputed sums must equal the aggregate over the intervals (a wrong sum would be fast and useless).
        for day in days[:5]:
            mine = await conn.fetch(statements["service"], day.replace(day=1), day)
            naive = await conn.fetch(statements["naive"], day)
            as_dict = lambda rows: {r[0]: tuple(int(v) for v in r[1:]) for r in rows if any(r[1:])}  # noqa: E731
            assert as_dict(mine) == as_dict(naive), f"sums differ from the intervals on {day}"
        plans = {}
        for name, args in (("service", (days[0].replace(day=1), days[0])), ("naive", (days[0],))):
            rows = await conn.fetch("EXPLAIN (ANALYZE, COSTS OFF) " + statements[name], *args)
            plans[name] = " / ".join(r[0].strip() for r in rows[:6])
        out["plans"] = plans  # type: ignore[assignment]
        out["postgres"] = (await conn.fetchval("SHOW server_version")).split()[0]  # type: ignore[assignment]
    finally:
        await conn.close()
    return out


def start_service(url: str, log: Path) -> subprocess.Popen:
    env = os.environ | {
        "REPORTING_DATABASE_URL": url,
        "REPORTING_ENVIRONMENT": "development",
        "REPORTING_FEEDS_ENABLED": "false",
        "REPORTING_JWKS_URL": f"http://127.0.0.1:{JWKS_PORT}/",
        "REPORTING_LOG_JSON": "true",
        "REPORTING_REVOCATION_CHECK_ENABLED": "false",
    }
    return subprocess.Popen(
        uvicorn_command("reporting.main:create_app", PORT, "--no-access-log"),
        env=env,
        cwd=ROOT,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def service_times(token: str, days: list[date]) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"report": [], "trend": []}
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=f"http://127.0.0.1:{PORT}", headers=headers, timeout=60) as client:
        client.get("/api/v1/reports/indicators", params={"period": "2013"})  # warm up
        for day in days:
            started = time.perf_counter()
            r = client.get("/api/v1/reports/indicators", params={"period": day.isoformat()})
            out["report"].append((time.perf_counter() - started) * 1000)
            assert r.status_code == 200, r.text
            first = date(day.year - 1, day.month, 1) if day.month < 12 else date(day.year, 1, 1)
            started = time.perf_counter()
            r = client.get(
                "/api/v1/reports/indicators/placement_rate/trend",
                params={"from": f"{first:%Y-%m}", "to": f"{day:%Y-%m}", "jurisdiction": "dapu"},
            )
            out["trend"].append((time.perf_counter() - started) * 1000)
            assert r.status_code == 200, r.text
    return out


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


async def row_counts(server_url: str) -> dict[str, int]:
    dsn, extra = asyncpg_dsn(server_url, DATABASE)
    conn = await asyncpg.connect(dsn, **extra)
    try:
        await conn.execute("VACUUM ANALYZE")
        return {
            t: await conn.fetchval(f"SELECT count(*) FROM {t}")
            for t in ("rm_person_fact", "rm_person_interval", "rm_daily_count", "rm_monthly_count")
        }
    finally:
        await conn.close()


async def run(args: argparse.Namespace, server_url: str) -> dict[str, Any]:
    result: dict[str, Any] = {"people": args.people, "load_start": load_average(), "page": args.page}
    freeze_heap()  # as the service does once started (readmodel.follower.start)
    url = database_url_for(server_url, DATABASE)
    keys = Keys()
    jwks = keys.serve(JWKS_PORT)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    if args.http:
        result["http"] = True
        result |= await run_http(args, server_url, keys)
        result["rows"] = await row_counts(server_url)
    elif args.direct:
        ensure_database(server_url, DATABASE, recreate=True)
        upgrade("reporting", url)
        result["direct"] = await fill_direct(server_url, args.direct)
        result["people"] = args.direct
    elif not args.reuse:
        ensure_database(server_url, DATABASE, recreate=True)
        upgrade("reporting", url)
        engine = create_async_engine(url, pool_size=2)
        county, pages = gen.feeds(args.people, seed=args.seed)
        result["rebuild"] = await apply_all(engine, pages, limit=args.page, derive_batch=args.derive_batch)
        result["rebuild"]["events"] = county.stats.total
        result["rebuild"]["by_feed"] = dict(county.stats.events)
        await engine.dispose()
        result["rows"] = await row_counts(server_url)
        if args.catch_up:
            engine = create_async_engine(url, pool_size=2)
            county2, pages2 = gen.feeds(args.catch_up, seed=args.seed + 1, first_person=args.people)
            result["catch_up"] = await catch_up(engine, pages2, limit=args.page, derive_batch=args.derive_batch)
            result["catch_up"]["events"] = county2.stats.total
            await engine.dispose()
    days = random_days(args.requests, args.seed)
    result["raw"] = await raw_times(server_url, days)
    result["postgres"] = result["raw"].pop("postgres")
    proc = start_service(url, OUT_DIR / "reporting_volume.log")
    try:
        wait_ready(f"http://127.0.0.1:{PORT}/healthz")
        result["service"] = service_times(keys.token(department="nco", jurisdiction=None), days)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        jwks.shutdown()
    result["load_end"] = load_average()
    return result


def row(label: str, s: dict[str, float], *, bold: bool = False) -> str:
    p95 = f"**{s['p95']:.1f}**" if bold else f"{s['p95']:.2f}"
    return f"| {label} | {s['p50']:.2f} | {p95} | {s['p99']:.2f} |"


def render(r: dict[str, Any], command: str) -> str:
    m = machine()
    lines = [
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {m['cpu']}, {m['ram']} RAM, Python "
        f"{m['python']}, PostgreSQL {r.get('postgres', '?')}; load average at the start {r['load_start']}, at the end "
        f"{r['load_end']} (the machine is shared).",
        f"Command: `{command}`",
        "",
    ]
    page = r.get("page", 200)
    if r.get("http") and "rebuild" not in r:
        f, rw = r["fill"], r["rebuild_workers"]
        lines += [
            f"**Rebuild only, over HTTP** (`--http --rebuild-only`): {r['people']:,} people's {f['events']:,} events "
            f"(registry {f['by_feed']['registry']:,}, placement {f['by_feed']['placement']:,}) written into the "
            f"registry's and placement's own outbox tables ({f['fill_s']:.0f} s), served by the two services as "
            f"uvicorn processes (pages of {page:,}); the read model rebuilt from zero by the follower storing facts "
            f"and {rw['workers']} derivation worker process(es) beside it (`REPORTING_FOLLOWER_DERIVES=false` and "
            f"`python -m reporting.readmodel.deriver`): {rw['total_s']:.1f} s = "
            f"**{rw['events'] / rw['total_s']:,.0f} events/s** (CPU of the follower {rw['cpu_s']:.1f} s, "
            f"{rw['rounds']} rounds). Rows: " + ", ".join(f"{k} {v:,}" for k, v in r["rows"].items()) + ".",
            "",
        ]
    elif r.get("http"):
        f, fo, rb = r["fill"], r["fetch_only"], r["rebuild"]
        total = rb["apply_s"] + rb["derive_s"]
        lines += [
            f"**Over HTTP** (`--http`): {r['people']:,} people's {f['events']:,} events (registry "
            f"{f['by_feed']['registry']:,}, placement {f['by_feed']['placement']:,}) written into the registry's and "
            f"placement's own outbox tables ({f['fill_s']:.0f} s), served by the two services as uvicorn processes "
            f"(their feed routes, pages of {page:,}), read by the follower's own `FeedClient` straight from each "
            "service (the gateway's hop left out).",
            "",
            f"- Reading every page over HTTP and parsing it, nothing applied (both feeds side by side, after a "
            f"warm-up pass): {fo['s']:.1f} s = **{fo['events'] / fo['s']:,.0f} events/s**.",
            f"- Rebuild from zero: the pages through `service.step` side by side {rb['apply_s']:.1f} s = "
            f"**{rb['events'] / rb['apply_s']:,.0f} events/s**, then deriving {rb['derived']:,} people "
            f"{rb['derive_s']:.1f} s ({rb['derive_s'] / max(rb['derived'], 1) * 1000:.2f} ms a person); in all "
            f"**{total:.1f} s = {rb['events'] / total:,.0f} events/s**. Rows: "
            + ", ".join(f"{k} {v:,}" for k, v in r["rows"].items())
            + ".",
        ]
        if "catch_up" in r:
            cu = r["catch_up"]
            lines.append(
                f"- Catching up {cu['events']:,} new events through `Follower.poll_round` (steps and derivation): "
                f"{cu['total_s']:.1f} s = **{cu['events'] / cu['total_s']:,.0f} events/s** (CPU here "
                f"{cu['cpu_s']:.1f} s, {cu['rounds']} rounds)."
            )
        if "catch_up_workers" in r:
            cw = r["catch_up_workers"]
            lines.append(
                f"- Catching up {cw['events']:,} more new events the same way, the follower only storing facts and "
                f"{cw['workers']} derivation worker processes (`reporting.readmodel.deriver`, a partition each) "
                f"deriving beside it: {cw['total_s']:.1f} s = **{cw['events'] / cw['total_s']:,.0f} events/s** (CPU "
                f"of the follower {cw['cpu_s']:.1f} s, {cw['rounds']} rounds)."
            )
        if "rebuild_workers" in r:
            rw = r["rebuild_workers"]
            lines.append(
                f"- Rebuild from zero of all {rw['events']:,} events the feeds now hold, the follower only storing "
                f"facts and {rw['workers']} derivation worker process(es) deriving beside it: {rw['total_s']:.1f} s = "
                f"**{rw['events'] / rw['total_s']:,.0f} events/s** (CPU of the follower {rw['cpu_s']:.1f} s, "
                f"{rw['rounds']} rounds)."
            )
        n = rb["events"]
        apply_pg = rb["apply_pg_cpu_at"] - rb["pg_cpu_start"]
        derive_pg = rb["derive_pg_cpu_at"] - rb["apply_pg_cpu_at"]
        parts = [
            ("the two sources serving their feeds (uvicorn processes, fetch-only pass)", fo["source_cpu_s"]),
            ("their PostgreSQL backends reading the outboxes (fetch-only pass)", fo["source_pg_cpu_s"]),
            ("reporting: reading and parsing the pages (fetch-only pass)", fo["cpu_s"]),
            (
                "reporting: events to fact rows, INSERT ... json_to_recordset, cursor (apply, parsing taken out)",
                rb["apply_cpu_s"] - fo["cpu_s"],
            ),
            ("reporting's PostgreSQL backends storing the facts (apply)", apply_pg),
            ("reporting: deriving people (rules, in Python)", rb["derive_cpu_s"]),
            ("reporting's PostgreSQL backends deriving (facts read, intervals and counts written)", derive_pg),
        ]
        cpu_total = sum(v for _label, v in parts)
        lines += [
            "",
            "Where the CPU goes, per event (CPU time of each process from /proc, not wall time, so the shared "
            "machine's load does not inflate it):",
            "",
            "| part | CPU s | µs an event |",
            "| --- | ---: | ---: |",
            *(f"| {label} | {v:.1f} | {v / n * 1e6:.0f} |" for label, v in parts),
            f"| **in all** | {cpu_total:.1f} | **{cpu_total / n * 1e6:.0f}** |",
            "",
            f"At {cpu_total / n * 1e6:.0f} µs of CPU an event the ceiling is {n / cpu_total:,.0f} events/s per core "
            f"kept busy, {2 * n / cpu_total:,.0f} on both of this machine's cores.",
        ]
        lines.append("")
    elif "rebuild" in r:
        rb = r["rebuild"]
        total = rb["apply_s"] + rb["derive_s"]
        lines += [
            f"**Rebuild from zero**: {r['people']:,} people, {rb['events']:,} events "
            f"(registry {rb['by_feed']['registry']:,}, placement {rb['by_feed']['placement']:,}) in {rb['steps']:,} "
            f"pages of {page:,} served in-process through `service.step`: apply {rb['apply_s']:.1f} s = "
            f"**{rb['events'] / rb['apply_s']:,.0f} events/s**; deriving {rb['derived']:,} people "
            f"{rb['derive_s']:.1f} s; in all **{total:.1f} s = {rb['events'] / total:,.0f} events/s** "
            f"(generating the pages, {rb['generate_s']:.1f} s, left out). Rows: "
            + ", ".join(f"{k} {v:,}" for k, v in r["rows"].items())
            + ".",
            "",
        ]
    if "direct" in r:
        d = r["direct"]
        lines += [
            f"**Read model written directly** (`--direct`): {r['people']:,} people, "
            + ", ".join(f"{k} {v:,}" for k, v in d["rows"].items())
            + f", in {d['seconds']:.0f} s (SQL; no feed, no derivation).",
            "",
        ]
    if "catch_up" in r and not r.get("http"):
        cu = r["catch_up"]
        lines += [
            f"**Catching up**: {cu['events']:,} new events on top of it through `Follower.poll_round` (step every "
            f"feed, derive): {cu['total_s']:.1f} s = **{cu['events'] / cu['total_s']:,.0f} events/s** "
            f"({cu['rounds']} rounds).",
            "",
        ]
    s, raw = r["service"], r["raw"]
    rep, trend = summary(s["report"]), summary(s["trend"])
    svc_raw, naive, trend_raw = summary(raw["service"]), summary(raw["naive"]), summary(raw["trend"])
    lines += [
        f"Latency, ms, {len(s['report'])} requests one at a time at the client (random dates 2010-2017), and the same "
        "aggregates raw through asyncpg on the read model:",
        "",
        "| request | p50 | p95 | p99 |",
        "| --- | ---: | ---: | ---: |",
        row("county-by-jurisdiction report for a date (service: every indicator, targets, freshness)", rep, bold=True),
        row("raw: the service's own sums (monthly + daily)", svc_raw),
        row("raw: the naive aggregate over every person's intervals", naive),
        row("12-month trend of one indicator, county and a township (service)", trend, bold=True),
        row("raw: running monthly sums", trend_raw),
        "",
        f"Service p95 / naive raw aggregate p95: **{rep['p95'] / naive['p95']:.2f}×**; "
        "service p95 / its own raw sums p95: "
        f"{rep['p95'] / max(svc_raw['p95'], 0.001):.0f}×.",
        "",
        "Plans: " + "; ".join(f"{k}: {v}" for k, v in raw["plans"].items()),
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=20000)
    parser.add_argument("--catch-up", type=int, default=0, help="people whose events arrive after the rebuild")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--derive-batch", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=gen.DEFAULT_SEED)
    parser.add_argument("--reuse", action="store_true", help="measure the reports on the existing bench database")
    parser.add_argument("--direct", type=int, default=0, help="write this many people's intervals with SQL instead")
    parser.add_argument(
        "--http",
        action="store_true",
        help="feed the follower over HTTP from the real registry and placement services (their outboxes filled)",
    )
    parser.add_argument("--page", type=int, default=1000, help="events asked for per feed page")
    parser.add_argument(
        "--derive-workers",
        type=int,
        default=0,
        help="with --http --catch-up: catch up a second time with this many derivation worker processes",
    )
    parser.add_argument(
        "--rebuild-workers",
        type=int,
        default=0,
        help="with --http: at the end, rebuild from zero with the follower storing facts and this many derivation "
        "worker processes",
    )
    parser.add_argument(
        "--rebuild-only",
        action="store_true",
        help="with --http: fill the outboxes, then only the rebuild with derivation workers (--rebuild-workers, "
        "default 1) and the reports: the issue's 10M-event rebuild without the passes that measure CPU per part",
    )
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    server_url, server = server_url_or_embedded()
    try:
        result = asyncio.run(run(args, server_url))
    finally:
        if server is not None:
            server.cleanup()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "reporting_volume.json").write_text(json.dumps(result, indent=2, default=str))
    command = "python -m bench.reporting_volume " + " ".join(sys.argv[1:])
    report = render(result, command)
    print(report)
    if not args.no_record:
        if args.http and args.rebuild_only:
            record_section(
                report, "reporting-volume-rebuild", "The reporting service's rebuild at full scale (issue 10)"
            )
        elif args.http:
            record_section(report, "reporting-volume-http", "The reporting service's catch-up over HTTP (issue 10)")
        else:
            record_section(report, "reporting-volume", "The reporting service at county scale (issue 10)")


if __name__ == "__main__":
    main()
