"""`make bench`, the audited read against a raw baseline (issue 11): `GET /api/v1/persons/{id}` over 1,000 people,
one token, at concurrency 1, 8 and 32, on three paths side by side:

- **direct**: the registry (uvicorn, one process);
- **gateway**: the same request through the gateway (one process) in front of that registry;
- **raw**: bench/raw_read.py, a bare ASGI app on asyncpg sending the statements the registry sends for this read
  (captured from an in-process registry on the same database: BEGIN, the person, the audit row, COMMIT).

Every round runs each concurrency on the three paths one after another (the order rotating by round), so the shared
machine's noise falls on all of them; the table holds the medians of the rounds and the ratios the issue names:
registry / raw and gateway / direct throughput, the gateway's added p50 and its p99 against direct. Loads with wrk
(apt-get installs it when missing and possible; else an httpx driver in a separate process) and records the
table, the machine, the command and the load average before and after in docs/benchmarks.md between the
bench:persons-read markers (`--no-record`: print only). `--workers 2` runs every service with two worker processes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import json
import os
import pickle
import platform
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.common import gateway_and_registry_databases, start_service
from bench.generate_registry import load as load_people
from bench.run import ADMIN_PASSWORD, admin_login, ensure_wrk, run_httpx, wait_ready

ROOT = Path(__file__).resolve().parent.parent
PATH = "/api/v1/persons/"
LEVELS = (1, 8, 32)
PATHS = ("direct", "gateway", "raw")
MARKERS = ("<!-- bench:persons-read:start -->", "<!-- bench:persons-read:end -->")
TARGETS = "registry / raw >= 0.6 at c=8 and c=32; gateway / direct >= 0.75 at c=8; added p50 <= 1.5 ms at c=1; " + (
    "gateway p99 <= 2x direct at c=32; RSS per service <= 120 MB"
)


def rss_mb(pid: int) -> tuple[float, float]:
    """(resident now, peak resident) in MB of the process and its children (uvicorn's workers), the largest of each.
    The peak includes start-up and the one password log-in (Argon2id takes 64 MiB for a moment, then frees it);
    "now", read right after the last round, is the size under load."""
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    now, peak = [0.0], [0.0]
    for p in pids:
        status = Path(f"/proc/{p}/status")
        if status.exists():
            text = status.read_text()
            for field, out in (("VmRSS", now), ("VmHWM", peak)):
                found = re.search(rf"{field}:\s+(\d+) kB", text)
                if found:
                    out.append(int(found.group(1)) / 1024)
    return max(now), max(peak)


# --- Load ---------------------------------------------------------------------------------------------------------


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run_wrk(wrk: str, script: Path, url: str, token: str, concurrency: int, seconds: int) -> dict[str, float]:
    out = subprocess.run(
        [
            wrk,
            "-t1",
            f"-c{concurrency}",
            f"-d{seconds}s",
            "--timeout",
            "30s",
            "--latency",
            "-s",
            str(script),
            "-H",
            f"Authorization: Bearer {token}",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors or "Socket errors" in out:
        raise SystemExit(f"wrk saw errors on {url}:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return {"rps": rps, "p50": _ms(percentiles["50"]), "p99": _ms(percentiles["99"])}


def wrk_script(ids: list[str]) -> Path:
    """A wrk script asking for a random one of the people each request."""
    path = Path(tempfile.mkstemp(prefix="persons_read_", suffix=".lua")[1])
    listed = ",".join(f'"{i}"' for i in ids)
    path.write_text(
        f"local ids = {{{listed}}}\n"
        "math.randomseed(os.time())\n"
        "request = function()\n"
        f'  return wrk.format("GET", "{PATH}" .. ids[math.random(#ids)])\n'
        "end\n"
    )
    return path


def httpx_driver(base: str, ids: list[str], token: str, concurrency: int, seconds: int) -> dict[str, float]:
    """The fallback load generator, run in a process of its own (`python -m bench.persons_read --drive ...`)."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.persons_read", "--drive", base, str(concurrency), str(seconds)],
        input=json.dumps({"ids": ids, "token": token}),
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


# --- What the registry sends for the read ---------------------------------------------------------------------------

capturing: contextvars.ContextVar[bool] = contextvars.ContextVar("capturing", default=False)


async def capture(url: str, token: str, jwks: dict[str, Any], person_id: str) -> tuple[bytes, list[str]]:
    """Run the read once through an in-process registry on the bench database: its SELECT and INSERT with their
    parameters for the raw app (pickled), and every statement it sent."""
    from sqlalchemy import event

    from registry.config import Settings
    from registry.main import create_app

    async def fetch_jwks() -> dict[str, Any]:
        return jwks

    app = create_app(Settings(database_url=url, log_level="WARNING"), jwks_fetcher=fetch_jwks)
    seen: list[tuple[str, Any]] = []
    async with app.router.lifespan_context(app):

        def listener(conn, cursor, statement, parameters, context, executemany) -> None:
            if capturing.get():  # the request's own statements, not the sealer's (a task of its own)
                seen.append((statement, parameters))

        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            headers = {"authorization": f"Bearer {token}", "x-request-id": "bench-captured-request"}
            warm = await client.get(PATH + person_id, headers=headers)
            if warm.status_code != 200:
                raise SystemExit(f"capture: {warm.status_code} {warm.text}")
            event.listen(app.state.engine.sync_engine, "before_cursor_execute", listener)
            token_ = capturing.set(True)
            try:
                await client.get(PATH + person_id, headers=headers)
            finally:
                capturing.reset(token_)
            event.remove(app.state.engine.sync_engine, "before_cursor_execute", listener)
    selects = [(s, p) for s, p in seen if re.search(r"\bFROM person\b", s) and s.lstrip().startswith("SELECT")]
    inserts = [(s, p) for s, p in seen if s.lstrip().startswith("INSERT INTO audit_log")]
    if len(selects) != 1 or len(inserts) != 1:
        raise SystemExit(f"capture: expected one person SELECT and one audit INSERT, saw {[s for s, _ in seen]}")
    request_ids = [p for p in inserts[0][1] if isinstance(p, str) and "bench-captured-request" in p]
    captured = {
        "select": (selects[0][0], tuple(selects[0][1])),
        "insert": (inserts[0][0], tuple(inserts[0][1])),
        "person_id": uuid.UUID(person_id),
        "request_id": request_ids[0] if request_ids else None,
    }
    return pickle.dumps(captured), [" ".join(s.split())[:90] for s, _ in seen]


# --- The run --------------------------------------------------------------------------------------------------------


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem = re.search(r"MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text())
    gib = f", {int(mem.group(1)) / 1024 / 1024:.0f} GiB RAM" if mem else ""
    return f"{os.cpu_count()} cores ({cpu}){gib}, Python {platform.python_version()}, {platform.system()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes per service")
    parser.add_argument("--port-base", type=int, default=18400, help="gateway, registry and raw app on 3 ports")
    parser.add_argument("--no-record", action="store_true", help="print only; leave docs/benchmarks.md alone")
    parser.add_argument("--drive", nargs=3, metavar=("BASE", "CONCURRENCY", "SECONDS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.drive:  # the fallback load generator's own process
        given = json.loads(sys.stdin.read())
        base, concurrency, seconds = args.drive[0], int(args.drive[1]), int(args.drive[2])
        ids = given["ids"]
        measured = run_httpx(lambda: base + PATH + random.choice(ids), given["token"], concurrency, seconds)
        print(json.dumps(asyncio.run(measured)))
        return

    load_before = uptime()
    urls, server = gateway_and_registry_databases("qihang_bench_read_")
    print(f"loading {args.people:,} people ...")
    asyncio.run(load_people(urls["registry"], people=args.people, seed=20261206))

    gateway_port, registry_port, raw_port = args.port_base, args.port_base + 1, args.port_base + 2
    statements_file = Path(tempfile.mkstemp(prefix="persons_read_", suffix=".pickle")[1])
    env = {
        **os.environ,
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
        "GATEWAY_DATABASE_URL": urls["gateway"],
        "GATEWAY_REGISTRY_URL": f"http://127.0.0.1:{registry_port}",
        "GATEWAY_RATE_LIMIT_PER_MINUTE": "100000000",
        # The one token must outlive the run: on a loaded machine three rounds take longer than the default 5 min.
        "GATEWAY_ACCESS_TOKEN_TTL_SECONDS": "3600",
        "GATEWAY_LOG_LEVEL": "WARNING",
        "REGISTRY_LOG_LEVEL": "WARNING",
        "REGISTRY_DATABASE_URL": urls["registry"],
        "REGISTRY_JWKS_URL": f"http://127.0.0.1:{gateway_port}/.well-known/jwks.json",
        "BENCH_RAW_DATABASE_URL": urls["registry"],
        "BENCH_RAW_STATEMENTS": str(statements_file),
    }
    procs: dict[str, subprocess.Popen] = {}
    script: Path | None = None
    try:
        procs["gateway"] = start_service("gateway.main:create_app", gateway_port, env, workers=args.workers)
        procs["registry"] = start_service("registry.main:create_app", registry_port, env, workers=args.workers)
        token, jwks = admin_login(gateway_port, registry_port)
        import asyncpg

        from scripts.localdb import asyncpg_dsn

        async def person_ids() -> list[str]:
            dsn, kwargs = asyncpg_dsn(urls["registry"])
            conn = await asyncpg.connect(dsn, **kwargs)
            try:
                return [str(r["id"]) for r in await conn.fetch("SELECT id FROM person ORDER BY id")]
            finally:
                await conn.close()

        ids = asyncio.run(person_ids())
        captured, statements = asyncio.run(capture(urls["registry"], token, jwks, ids[0]))
        statements_file.write_bytes(captured)
        procs["raw"] = start_service("bench.raw_read:create_app", raw_port, env, workers=args.workers)
        wait_ready(f"http://127.0.0.1:{raw_port}/healthz")
        bases = {
            "direct": f"http://127.0.0.1:{registry_port}",
            "gateway": f"http://127.0.0.1:{gateway_port}",
            "raw": f"http://127.0.0.1:{raw_port}",
        }
        wrk = ensure_wrk()
        script = wrk_script(ids) if wrk else None

        def measure(path: str, concurrency: int, seconds: int) -> dict[str, float]:
            if wrk:
                return run_wrk(wrk, script, bases[path] + PATH, token, concurrency, seconds)
            return httpx_driver(bases[path], ids, token, concurrency, seconds)

        for path in PATHS:  # warm up connections, caches, prepared statements and the JWKS fetch
            measure(path, 8, 2)
        results: dict[tuple[int, str], list[dict[str, float]]] = {(c, p): [] for c in LEVELS for p in PATHS}
        for round_no in range(args.rounds):
            order = PATHS[round_no % 3 :] + PATHS[: round_no % 3]
            for concurrency in LEVELS:
                for path in order:
                    results[(concurrency, path)].append(measure(path, concurrency, args.seconds))
                    print(f"round {round_no + 1} c={concurrency} {path}: {results[(concurrency, path)][-1]}")
        rss = {name: rss_mb(proc.pid) for name, proc in procs.items()}
    finally:
        for proc in procs.values():
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs.values():
            proc.wait(timeout=15)
        statements_file.unlink(missing_ok=True)
        if script is not None:
            script.unlink(missing_ok=True)
        if server is not None:
            server.cleanup()
    load_after = uptime()

    med = {k: {m: statistics.median(r[m] for r in runs) for m in ("rps", "p50", "p99")} for k, runs in results.items()}
    ratios: dict[int, dict[str, float]] = {}
    for c in LEVELS:
        d, g, r = med[(c, "direct")], med[(c, "gateway")], med[(c, "raw")]
        ratios[c] = {
            "registry_raw": d["rps"] / r["rps"],
            "gateway_direct": g["rps"] / d["rps"],
            "added_p50": g["p50"] - d["p50"],
            "added_p99": g["p99"] - d["p99"],
            "p99_gateway_direct": g["p99"] / d["p99"],
        }
    tool = "wrk (1 thread)" if wrk else "httpx in a separate process"
    command = (
        f"make bench  (python -m bench.persons_read --seconds {args.seconds} --rounds {args.rounds} "
        f"--people {args.people} --workers {args.workers}; load: {tool}, medians of {args.rounds} rounds)"
    )
    checks = [
        ("registry / raw ≥ 0.6 at c=8", ratios[8]["registry_raw"] >= 0.6),
        ("registry / raw ≥ 0.6 at c=32", ratios[32]["registry_raw"] >= 0.6),
        ("gateway / direct ≥ 0.75 at c=8", ratios[8]["gateway_direct"] >= 0.75),
        ("gateway added p50 ≤ 1.5 ms at c=1", ratios[1]["added_p50"] <= 1.5),
        ("gateway p99 ≤ 2× direct at c=32", ratios[32]["p99_gateway_direct"] <= 2),
        ("RSS per service under load ≤ 120 MB", max(rss["gateway"][0], rss["registry"][0]) <= 120),
    ]
    table = render(med, ratios, rss, statements, checks)
    print(table)
    print(json.dumps({str(c): {k: round(v, 3) for k, v in r.items()} for c, r in ratios.items()}))
    if not args.no_record:
        section = (
            f"{MARKERS[0]}\nMeasured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}, "
            f"{args.workers} worker process{'es' if args.workers > 1 else ''} per service.\n"
            f"Command: `{command}`\n\nLoad before: `{load_before}`; after: `{load_after}` (the machine is shared).\n\n"
            f"{table}\n{MARKERS[1]}"
        )
        record(section, args.workers)


def render(
    med: dict[tuple[int, str], dict[str, float]],
    ratios: dict[int, dict[str, float]],
    rss: dict[str, tuple[float, float]],
    statements: list[str],
    checks: list[tuple[str, bool]],
) -> str:
    rows = []
    for c in LEVELS:
        for path in PATHS:
            m = med[(c, path)]
            rows.append(f"| c={c} | {path} | {m['rps']:.0f} | {m['p50']:.2f} | {m['p99']:.2f} |")
    ratio_rows = [
        "| registry / raw throughput | " + " | ".join(f"{ratios[c]['registry_raw']:.2f}" for c in LEVELS) + " |",
        "| gateway / direct throughput | " + " | ".join(f"{ratios[c]['gateway_direct']:.2f}" for c in LEVELS) + " |",
        "| gateway added p50 / p99, ms | "
        + " | ".join(f"{ratios[c]['added_p50']:+.2f} / {ratios[c]['added_p99']:+.2f}" for c in LEVELS)
        + " |",
        "| gateway p99 / direct p99 | " + " | ".join(f"{ratios[c]['p99_gateway_direct']:.2f}" for c in LEVELS) + " |",
    ]
    names = {"gateway": "gateway", "registry": "registry", "raw": "raw app"}
    return "\n".join(
        [
            f"`GET {PATH}{{id}}` over the bench's people, one token, random person each request.",
            "",
            "| | c=1 | c=8 | c=32 |",
            "| --- | ---: | ---: | ---: |",
            *ratio_rows,
            "",
            "| concurrency | path | requests/s | p50 ms | p99 ms |",
            "| --- | --- | ---: | ---: | ---: |",
            *rows,
            "",
            "RSS after the last round / peak since start (VmRSS / VmHWM, largest process of each): "
            + ", ".join(f"{names[k]} {now:.0f} / {peak:.0f} MB" for k, (now, peak) in rss.items())
            + ".",
            "",
            "Statements the registry sent for one read (as captured; BEGIN and COMMIT are asyncpg's own): "
            + "; ".join(f"`{s}`" for s in statements)
            + ".",
            "",
            "Targets: " + "; ".join(f"{name}: **{'met' if ok else 'not met'}**" for name, ok in checks) + ".",
        ]
    )


def record(section: str, workers: int) -> None:
    doc = ROOT / "docs" / "benchmarks.md"
    start_marker, end_marker = MARKERS
    if workers > 1:
        start_marker = start_marker.replace("persons-read", f"persons-read-{workers}w")
        end_marker = end_marker.replace("persons-read", f"persons-read-{workers}w")
        section = section.replace(MARKERS[0], start_marker).replace(MARKERS[1], end_marker)
    text = doc.read_text()
    if start_marker in text:
        text = re.sub(re.escape(start_marker) + r".*?" + re.escape(end_marker), lambda _: section, text, flags=re.S)
    else:
        text += f"\n{section}\n"
    doc.write_text(text)


if __name__ == "__main__":
    main()
