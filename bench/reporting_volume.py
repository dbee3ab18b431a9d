"""The reporting service at county scale (issue 10, "Performance").

1. **Rebuild from zero**: a fresh bench database `qihang_bench_reporting`, then every event of a generated county
   (bench.reporting_generate: N people, about 10 events each, the registry's and placement's feeds as JSON pages of
   200) applied through the follower's own code (`reporting.readmodel.service.step`, then `derive_dirty` until
   nothing is left), exactly as the service does it, with the feeds served in-process: the time spent generating
   the pages is measured and left out. Events per second for the apply and the derivation.
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
Develop at small scale (`--people 20000`); the issue's scale is `--people 1000000` (about 10 million events).
"""

from __future__ import annotations

import argparse
import asyncio
import json
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
from reporting.readmodel import service
from reporting.readmodel.follower import Follower
from reporting.readmodel.models import COUNT_COLUMNS
from reporting.readmodel.rules import RuleConfig
from scripts.localdb import DATA_DIR, asyncpg_dsn, ensure_database
from shared.config import database_url_for
from shared.migrations import upgrade

ROOT = Path(__file__).resolve().parent.parent
PORT, JWKS_PORT = 18950, 18951
DATABASE = "qihang_bench_reporting"
OUT_DIR = DATA_DIR / "bench"


def transaction_of(engine):
    @asynccontextmanager
    async def transaction():
        async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
            yield session

    return transaction


async def apply_all(engine, pages: dict[str, gen.Pages], *, derive_batch: int) -> dict[str, float]:
    """Every page of every feed through service.step, then derive every dirty person; timings."""
    tx = transaction_of(engine)
    started = time.perf_counter()
    steps = 0
    more = {name: True for name in pages}
    while any(more.values()):
        for name, feed in pages.items():
            if more[name]:
                result = await service.step(tx, name, feed.fetch, batch_size=200)
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


async def catch_up(engine, pages: dict[str, gen.Pages], *, derive_batch: int) -> dict[str, float]:
    """The follower's own rounds (step every feed, derive) until nothing is left."""
    follower = Follower(
        transaction_of(engine), {n: p.fetch for n, p in pages.items()}, RuleConfig(), derive_batch_size=derive_batch
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
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "reporting.main:create_app",
            "--port",
            str(PORT),
            "--no-access-log",
        ],
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


async def run(args: argparse.Namespace, server_url: str) -> dict[str, Any]:
    result: dict[str, Any] = {"people": args.people, "load_start": load_average()}
    url = database_url_for(server_url, DATABASE)
    if args.direct:
        ensure_database(server_url, DATABASE, recreate=True)
        upgrade("reporting", url)
        result["direct"] = await fill_direct(server_url, args.direct)
        result["people"] = args.direct
    elif not args.reuse:
        ensure_database(server_url, DATABASE, recreate=True)
        upgrade("reporting", url)
        engine = create_async_engine(url, pool_size=2)
        county, pages = gen.feeds(args.people, seed=args.seed)
        result["rebuild"] = await apply_all(engine, pages, derive_batch=args.derive_batch)
        result["rebuild"]["events"] = county.stats.total
        result["rebuild"]["by_feed"] = dict(county.stats.events)
        await engine.dispose()
        dsn, extra = asyncpg_dsn(server_url, DATABASE)
        conn = await asyncpg.connect(dsn, **extra)
        await conn.execute("VACUUM ANALYZE")
        result["rows"] = {
            t: await conn.fetchval(f"SELECT count(*) FROM {t}")
            for t in ("rm_person_fact", "rm_person_interval", "rm_daily_count", "rm_monthly_count")
        }
        await conn.close()
        if args.catch_up:
            engine = create_async_engine(url, pool_size=2)
            county2, pages2 = gen.feeds(args.catch_up, seed=args.seed + 1, first_person=args.people)
            result["catch_up"] = await catch_up(engine, pages2, derive_batch=args.derive_batch)
            result["catch_up"]["events"] = county2.stats.total
            await engine.dispose()
    days = random_days(args.requests, args.seed)
    result["raw"] = await raw_times(server_url, days)
    result["postgres"] = result["raw"].pop("postgres")
    keys = Keys()
    jwks = keys.serve(JWKS_PORT)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
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
    if "rebuild" in r:
        rb = r["rebuild"]
        total = rb["apply_s"] + rb["derive_s"]
        lines += [
            f"**Rebuild from zero**: {r['people']:,} people, {rb['events']:,} events "
            f"(registry {rb['by_feed']['registry']:,}, placement {rb['by_feed']['placement']:,}) in {rb['steps']:,} "
            f"pages of 200 through `service.step`: apply {rb['apply_s']:.1f} s = "
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
    if "catch_up" in r:
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
        record_section(report, "reporting-volume", "The reporting service at county scale (issue 10)")


if __name__ == "__main__":
    main()
