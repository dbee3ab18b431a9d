"""What the volume benchmarks share: running against a PostgreSQL server (TEST_DATABASE_URL's, else an embedded
one) with every process a run starts stopped afterwards, saving the results, and the plumbing of the bare ASGI
stand-ins they serve; timing a service's requests and their SQL replayed raw through asyncpg, one at a time and
concurrently, and the table that reports both."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench.generate_registry import server_url_or_embedded
from scripts.localdb import DATA_DIR, asyncpg_dsn, ensure_database, start_embedded
from scripts.run import uvicorn_command
from shared import jwt as qjwt
from shared.config import database_url_for
from shared.migrations import upgrade

OUT_DIR = DATA_DIR / "bench"
ROOT = Path(__file__).resolve().parent.parent


def start_service(
    factory: str, port: int, env: dict[str, str], *, log: Path | None = None, append: bool = False, workers: int = 0
) -> subprocess.Popen:
    """`factory` ("module:function") under uvicorn on 127.0.0.1:`port` (with `workers` processes unless 0), in a
    session of its own, logging warnings only and no access log; its stderr to `log` (appended to with `append`),
    else dropped."""
    command = uvicorn_command(factory, port, *(["--workers", str(workers)] if workers else []))
    command += ["--no-access-log", "--log-level", "warning"]
    stderr: Any = subprocess.DEVNULL
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
        stderr = log.open("a" if append else "w")
    return subprocess.Popen(
        command, env=env, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=stderr
    )


def run_on_a_server(run: Callable[[Any, str, list[subprocess.Popen]], dict[str, Any]], args: Any) -> dict[str, Any]:
    """`run(args, server_url, procs)`; afterwards every process it put in `procs` is sent SIGTERM (its process
    group) and waited for up to 15 s, and an embedded server is removed."""
    server_url, server = server_url_or_embedded()
    procs: list[subprocess.Popen] = []
    try:
        return run(args, server_url, procs)
    finally:
        for proc in procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=15)
        if server is not None:
            server.cleanup()


def run_and_report(
    name: str,
    run: Callable[[Any, str, list[subprocess.Popen]], dict[str, Any]],
    args: Any,
    render: Callable[[dict[str, Any]], str],
    record: Callable[[str], None],
) -> None:
    """`run` on a server (run_on_a_server); its report (`render`) printed, the raw results saved as <name>.json and
    the report recorded (`record`) unless `args.no_record`."""
    results = run_on_a_server(run, args)
    report = render(results)
    print(report)
    save_results(name, results)
    if not args.no_record:
        record(report)


def add_volume_arguments(parser: argparse.ArgumentParser, *, requests: int, index_requests: int, budget: float) -> None:
    """The options of a volume bench that times scenarios at levels and with / without an index: how many requests,
    the time budget of a measurement, and whether to reuse the bench database."""
    parser.add_argument("--requests", type=int, default=requests, help="per scenario and level (sequential, c=8)")
    parser.add_argument(
        "--index-requests", type=int, default=index_requests, help="per scenario, with / without an index"
    )
    parser.add_argument(
        "--budget", type=float, default=budget, help="seconds after which a measurement stops early (>=50 done)"
    )
    parser.add_argument("--reuse", action="store_true", help="keep the bench database from the last run")


def generated_unless_reused(
    results: dict[str, Any],
    args: Any,
    url: str,
    announce: str,
    generate: Callable[[], tuple[str, Any]],
    summary: Callable[[Any], dict[str, Any]],
) -> str:
    """The bench database's URL: `url` as the last run left it with --reuse, else the one `generate` fills (after
    printing `announce`), its `summary` kept as results["generation"] and printed."""
    if args.reuse:
        results["generation"] = None
        return url
    print(announce)
    url, stats = generate()
    results["generation"] = summary(stats)
    print(json.dumps(results["generation"], ensure_ascii=False))
    return url


def gateway_and_registry_databases(prefix: str) -> tuple[dict[str, str], Any]:
    """Fresh databases at head named <prefix>gateway and <prefix>registry on BENCH_DATABASE_URL's (or DATABASE_URL's)
    server, else on an embedded one in .data/pg-bench: ({service: its URL}, the embedded server to clean up or None)."""
    server = None
    server_url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if not server_url:
        server = start_embedded(DATA_DIR / "pg-bench")
        server_url = server.get_uri("postgres")
    urls = {}
    for service in ("gateway", "registry"):
        ensure_database(server_url, f"{prefix}{service}", recreate=True)
        urls[service] = database_url_for(server_url, f"{prefix}{service}")
        upgrade(service, urls[service])
    return urls, server


def fresh_registry_database(label: str) -> tuple[str, Any]:
    """A fresh registry database at head, qihang_bench_<label><TEST_DB_SUFFIX>, on TEST_DATABASE_URL's server, else
    on the embedded test server: (its URL, the embedded server to clean up afterwards, or None)."""
    server = None
    server_url = os.environ.get("TEST_DATABASE_URL")
    if not server_url:
        server = start_embedded(DATA_DIR / "pg-test")
        server_url = server.get_uri("postgres")
    name = f"qihang_bench_{label}{os.environ.get('TEST_DB_SUFFIX', '')}"
    ensure_database(server_url, name, recreate=True)
    url = database_url_for(server_url, name)
    upgrade("registry", url)
    return url, server


def signing_key() -> tuple[str, Callable[[], Awaitable[dict]]]:
    """A fresh signing key (kid "bench") and the JWKS fetcher a service verifies its tokens with."""
    key = qjwt.generate_private_key_pem()
    jwks = {"keys": [qjwt.public_jwk(key, "bench")]}

    async def fetch() -> dict:
        return jwks

    return key, fetch


def user_token(key: str, *, roles: list[str], department: str, scope: str) -> str:
    """An hour's user token signed with `key` (kid "bench"), as the gateway issues them."""
    now = int(time.time())
    claims = {
        "iss": "qihang-gateway",
        "aud": "qihang-api",
        "sub": "bench",
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
        "typ": "user",
        "name": "bench",
        "roles": roles,
        "dept": department,
        "scope": scope,
    }
    return qjwt.sign(claims, key, "bench")


def save_results(name: str, results: dict[str, Any]) -> None:
    """The raw results as .data/bench/<name>.json."""
    (OUT_DIR / f"{name}.json").write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))


async def asgi_request_body(
    scope, receive, send, on_shutdown: Callable[[], Awaitable[None]] | None = None
) -> bytes | None:
    """For a bare ASGI app: on a lifespan scope, answer startup and shutdown (after `on_shutdown`) and return None
    (the app is done); on a request, its whole body."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if on_shutdown is not None:
                    await on_shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return None
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


# --- Timing -----------------------------------------------------------------------------------------------------------

CONCURRENCY = 8


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def summary(values: list[float], elapsed: float | None = None) -> dict[str, float]:
    out = {"n": len(values), "p50": pct(values, 50), "p95": pct(values, 95), "p99": pct(values, 99)}
    if elapsed:
        out["rps"] = len(values) / elapsed
    return out


@dataclass
class Budget:
    """Each measurement stops after `n` requests, or earlier once it has run `seconds` and done `minimum` (so a
    slow query on a busy machine cannot hold `make bench` for long)."""

    seconds: float = 20.0
    minimum: int = 50


BUDGET = Budget()


def budget(n: int) -> Iterator[int]:
    deadline = time.perf_counter() + BUDGET.seconds
    for i in range(n):
        if i >= BUDGET.minimum and time.perf_counter() > deadline:
            return
        yield i


def check(response: httpx.Response, scenario: Any) -> None:
    if response.status_code != 200:
        raise SystemExit(f"{scenario.name}: HTTP {response.status_code}: {response.text[:500]}")


class Driver(ABC):
    """Times a service's requests at the client, one at a time or from `concurrency` clients. Each request carries
    an x-request-id `<prefix>-<scenario>-<random>`, kept in `request_ids` with `<scenario>/<level>` so the service's
    own logged durations can be matched. A subclass says what request `i` of a scenario is (`request`)."""

    prefix = "bench"
    timeout = 30.0

    def __init__(self, base: str) -> None:
        self.base = base
        self.request_ids: dict[str, str] = {}  # request id -> "<scenario>/<level>" (levels: c1, c8)
        self.level = "c1"

    def request_id(self, scenario: Any) -> str:
        rid = f"{self.prefix}-{scenario.name}-{uuid.uuid4().hex[:12]}"
        self.request_ids[rid] = f"{scenario.name}/{self.level}"
        return rid

    @abstractmethod
    def request(self, scenario: Any, i: int) -> tuple[str, str, dict[str, str], bytes | None]:
        """(method, url, headers, body) of the scenario's request `i`."""

    def sequential(self, scenario: Any, n: int, level: str = "c1") -> dict[str, float]:
        self.level = level
        latencies = []
        with httpx.Client(timeout=self.timeout) as client:
            for i in budget(n):
                method, url, headers, body = self.request(scenario, i)
                t0 = time.perf_counter()
                response = client.request(method, url, headers=headers, content=body)
                latencies.append((time.perf_counter() - t0) * 1000)
                check(response, scenario)
        return summary(latencies)

    def concurrent(self, scenario: Any, n: int, concurrency: int = CONCURRENCY) -> dict[str, float]:
        self.level = f"c{concurrency}"

        async def run() -> dict[str, float]:
            latencies: list[float] = []
            counter = budget(n)
            limits = httpx.Limits(max_connections=concurrency)
            async with httpx.AsyncClient(timeout=self.timeout, limits=limits) as client:

                async def worker() -> None:
                    for i in counter:
                        method, url, headers, body = self.request(scenario, i)
                        t0 = time.perf_counter()
                        response = await client.request(method, url, headers=headers, content=body)
                        latencies.append((time.perf_counter() - t0) * 1000)
                        check(response, scenario)

                t0 = time.perf_counter()
                await asyncio.gather(*(worker() for _ in range(concurrency)))
                return summary(latencies, time.perf_counter() - t0)

        return asyncio.run(run())


class Raw(ABC):
    """A request's SQL replayed through asyncpg, one at a time on one connection or from `concurrency` pooled ones.
    A subclass says what one replay `i` of a scenario runs in each mode (`one`: "query" alone, or "txn" as the
    audited request's transaction) and returns its milliseconds."""

    def __init__(self, url: str) -> None:
        self.dsn, self.kwargs = asyncpg_dsn(url)

    @abstractmethod
    async def one(self, conn: asyncpg.Connection, scenario: Any, i: int, mode: str) -> float:
        """Replay scenario `scenario`'s statements once (replay `i`) in `mode`; the milliseconds it took."""

    def on_one_connection(self, work: Callable[[asyncpg.Connection], Awaitable[Any]]) -> Any:
        """`work(conn)` on a connection of its own, closed afterwards."""

        async def run() -> Any:
            conn = await asyncpg.connect(self.dsn, **self.kwargs)
            try:
                return await work(conn)
            finally:
                await conn.close()

        return asyncio.run(run())

    def sequential(self, scenario: Any, n: int, mode: str) -> dict[str, float]:
        async def timed(conn: asyncpg.Connection) -> dict[str, float]:
            return summary([await self.one(conn, scenario, i, mode) for i in budget(n)])

        return self.on_one_connection(timed)

    def concurrent(self, scenario: Any, n: int, mode: str, concurrency: int = CONCURRENCY) -> dict[str, float]:
        async def run() -> dict[str, float]:
            pool = await asyncpg.create_pool(self.dsn, min_size=concurrency, max_size=concurrency, **self.kwargs)
            latencies: list[float] = []
            counter = budget(n)

            async def worker() -> None:
                async with pool.acquire() as conn:
                    for i in counter:
                        latencies.append(await self.one(conn, scenario, i, mode))

            try:
                t0 = time.perf_counter()
                await asyncio.gather(*(worker() for _ in range(concurrency)))
                return summary(latencies, time.perf_counter() - t0)
            finally:
                await pool.close()

        return asyncio.run(run())

    def execute(self, *statements: str) -> list[Any]:
        async def fetch_each(conn: asyncpg.Connection) -> list[Any]:
            return [await conn.fetch(s) for s in statements]

        return self.on_one_connection(fetch_each)


# --- Report -----------------------------------------------------------------------------------------------------------


def times(x: float) -> str:
    return f"{x:.1f}×" if x < 10 else f"{x:.0f}×"


def latency_table(r: dict[str, Any]) -> list[str]:
    """The markdown table of each scenario's service and raw latencies at c=1 and c=8 (`r["scenarios"]`, labelled by
    `r["labels"]`), with the service / raw ratios."""
    lines = [
        "| request | c (n) | service p50 | p95 | p99 | logged p50 / p95 | raw query p50 / p95 | raw txn p50 / p95 "
        "| ratio query / txn | req/s service / raw txn |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, s in r["scenarios"].items():
        label = r["labels"][name]
        for c in ("c1", "c8"):
            svc, rq, rt = s[f"service_{c}"], s[f"raw_query_{c}"], s[f"raw_txn_{c}"]
            logged = s.get(f"logged_{c}")
            logged_text = f"{logged['p50']:.1f} / {logged['p95']:.1f}" if logged else ""
            rps = f"{svc['rps']:.0f} / {rt['rps']:.0f}" if c == "c8" else ""
            lines.append(
                f"| {label if c == 'c1' else ''} | {c[1:]} ({svc['n']}) | {svc['p50']:.1f} | **{svc['p95']:.1f}** | "
                f"{svc['p99']:.1f} | {logged_text} | {rq['p50']:.2f} / {rq['p95']:.2f} | {rt['p50']:.2f} / "
                f"{rt['p95']:.2f} | {times(svc['p50'] / rq['p50'])} / {times(svc['p50'] / rt['p50'])} | {rps} |"
            )
    return lines


INDEX_TABLE_HEAD = [
    "Indexes tried ad hoc in the bench database (dropped afterwards), one request at a time; *without* is measured "
    "just before, with as many requests:",
    "",
    "| index | request | service p50 / p95 without → with | raw query p50 without → with | plan with |",
    "| --- | --- | ---: | ---: | --- |",
]
