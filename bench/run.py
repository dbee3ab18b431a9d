"""`make bench`: throughput and latency of one authenticated, database-backed read (GET /api/v1/jurisdictions)
called directly on the registry and through the gateway at the same concurrency, plus JWT verification cost.

Starts its own registry and gateway (uvicorn, one process each) on spare ports against fresh bench databases,
drives them with wrk (installed with apt-get when missing and possible; otherwise an httpx client), alternates
direct and gateway rounds so machine noise hits both, and records the table in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench.common import gateway_and_registry_databases, start_service

ROOT = Path(__file__).resolve().parent.parent
REGISTRY_PORT, GATEWAY_PORT = 18101, 18100
SERVICES = (("gateway", GATEWAY_PORT), ("registry", REGISTRY_PORT))
ADMIN_PASSWORD = "bench-admin-password"
PATH = "/api/v1/jurisdictions"


def admin_login(gateway_port: int, registry_port: int) -> tuple[str, dict]:
    """Once the gateway and the registry on these ports are ready: the bench admin's access token and the gateway's
    JWKS."""
    wait_ready(f"http://127.0.0.1:{gateway_port}/healthz")
    wait_ready(f"http://127.0.0.1:{registry_port}/readyz")
    token = httpx.post(
        f"http://127.0.0.1:{gateway_port}/api/v1/auth/token",
        data={"grant_type": "password", "username": "admin", "password": ADMIN_PASSWORD},
    ).json()["access_token"]
    jwks = httpx.get(f"http://127.0.0.1:{gateway_port}/.well-known/jwks.json").json()
    return token, jwks


def ensure_wrk() -> str | None:
    found = shutil.which("wrk")
    if found or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], capture_output=True, check=False)
    return shutil.which("wrk")


def wait_ready(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"not ready: {url}")


def parse_wrk(output: str) -> dict[str, float]:
    def ms(value: str) -> float:
        number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
        return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]

    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", output, re.M))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise SystemExit(f"wrk saw {errors.group(1)} error responses:\n{output}")
    return {"rps": rps, "p50": ms(percentiles["50"]), "p99": ms(percentiles["99"])}


def run_wrk(wrk: str, url: str, token: str, concurrency: int, seconds: int) -> dict[str, float]:
    out = subprocess.run(
        [wrk, "-t1", f"-c{concurrency}", f"-d{seconds}s", "--latency", "-H", f"Authorization: Bearer {token}", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return parse_wrk(out)


async def run_httpx(next_url: Callable[[], str], token: str, concurrency: int, seconds: int) -> dict[str, float]:
    """`concurrency` clients GET `next_url()` for `seconds`: requests per second, p50 and p99 in ms."""
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    async with httpx.AsyncClient(
        headers={"Authorization": f"Bearer {token}"}, limits=httpx.Limits(max_connections=concurrency)
    ) as client:

        async def worker() -> None:
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                response = await client.get(next_url())
                if response.status_code != 200:
                    raise SystemExit(f"error response {response.status_code}")
                latencies.append((time.perf_counter() - t0) * 1000)

        start_at = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start_at
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50": latencies[len(latencies) // 2],
        "p99": latencies[int(len(latencies) * 0.99)],
    }


def jwt_costs(token: str, jwks: dict) -> dict[str, float]:
    from shared.jwt import KeySet, TokenVerifier

    async def fetch() -> dict:
        return jwks

    async def measure() -> dict[str, float]:
        verifier = TokenVerifier(KeySet(fetch), issuer="qihang-gateway", audience="qihang-api")
        await verifier.verify(token)
        n = 2000
        t0 = time.perf_counter()
        for _ in range(n):
            await verifier._verify_uncached(token)
        uncached = (time.perf_counter() - t0) / n * 1e6
        t0 = time.perf_counter()
        for _ in range(n * 10):
            await verifier.verify(token)
        cached = (time.perf_counter() - t0) / (n * 10) * 1e6
        return {"uncached_us": uncached, "cached_us": cached}

    return asyncio.run(measure())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-record", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args()

    urls, server = gateway_and_registry_databases("qihang_bench_")

    env = {
        **os.environ,
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
        "GATEWAY_DATABASE_URL": urls["gateway"],
        "GATEWAY_REGISTRY_URL": f"http://127.0.0.1:{REGISTRY_PORT}",
        "GATEWAY_RATE_LIMIT_PER_MINUTE": "100000000",
        "GATEWAY_LOG_LEVEL": "WARNING",
        "REGISTRY_LOG_LEVEL": "WARNING",
        "REGISTRY_DATABASE_URL": urls["registry"],
        "REGISTRY_JWKS_URL": f"http://127.0.0.1:{GATEWAY_PORT}/.well-known/jwks.json",
    }
    procs = [start_service(f"{name}.main:create_app", port, env) for name, port in SERVICES]
    try:
        token, jwks = admin_login(GATEWAY_PORT, REGISTRY_PORT)
        targets = {
            "direct": f"http://127.0.0.1:{REGISTRY_PORT}{PATH}",
            "gateway": f"http://127.0.0.1:{GATEWAY_PORT}{PATH}",
        }
        wrk = ensure_wrk()
        tool = "wrk" if wrk else "httpx"

        def measure(url: str, concurrency: int, seconds: int) -> dict[str, float]:
            if wrk:
                return run_wrk(wrk, url, token, concurrency, seconds)
            return asyncio.run(run_httpx(lambda: url, token, concurrency, seconds))

        for url in targets.values():  # warm up connections, caches and the JWKS fetch
            measure(url, args.concurrency, 2)
        # Loaded (throughput) and one at a time (latency without queueing), alternating direct and gateway
        # within each round so that the machine's noise falls on both alike.
        levels = {f"c={args.concurrency}": args.concurrency, "c=1": 1}
        results: dict[tuple[str, str], list[dict[str, float]]] = {
            (level, name): [] for level in levels for name in targets
        }
        for _ in range(args.rounds):
            for level, concurrency in levels.items():
                for name, url in targets.items():
                    results[(level, name)].append(measure(url, concurrency, args.seconds))
        jwt = jwt_costs(token, jwks)
    finally:
        for proc in procs:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            proc.wait(timeout=15)
        if server is not None:
            server.cleanup()

    med = {
        key: {k: statistics.median(r[k] for r in runs) for k in ("rps", "p50", "p99")} for key, runs in results.items()
    }
    rows: list[str] = []
    summary: dict[str, dict[str, float]] = {}
    for level in levels:
        direct, via = med[(level, "direct")], med[(level, "gateway")]
        for name, m in (("direct", direct), ("gateway", via)):
            rows.append(f"| {level} | {name} | {m['rps']:.0f} | {m['p50']:.2f} | {m['p99']:.2f} |")
        ratio, added = via["rps"] / direct["rps"], via["p50"] - direct["p50"]
        rows.append(f"| {level} | **gateway / direct** | **{ratio:.2f}** | **+{added:.2f}** | |")
        summary[level] = {"throughput_ratio": round(ratio, 3), "added_p50_ms": round(added, 3)}
    table = "\n".join(
        [
            f"`GET {PATH}` (authenticated, database-backed) on the registry, directly and through the gateway.",
            "",
            "| concurrency | path | requests/s | p50 ms | p99 ms |",
            "| --- | --- | ---: | ---: | ---: |",
            *rows,
            "",
            "| JWT verification | µs per token |",
            "| --- | ---: |",
            f"| full RS256 verify (python-jose, cryptography backend) | {jwt['uncached_us']:.0f} |",
            f"| repeat token (verified-token cache hit) | {jwt['cached_us']:.1f} |",
        ]
    )
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    machine = f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, {platform.system()}"
    command = (
        f"make bench  (python -m bench.run --concurrency {args.concurrency} --seconds {args.seconds} "
        f"--rounds {args.rounds}; load: {tool}, medians of {args.rounds} alternating rounds)"
    )
    print(table)
    print(json.dumps(summary))
    if not args.no_record:
        record(table, machine, command)


def record(table: str, machine: str, command: str) -> None:
    doc = ROOT / "docs" / "benchmarks.md"
    marker_start, marker_end = "<!-- bench:gateway:start -->", "<!-- bench:gateway:end -->"
    section = (
        f"{marker_start}\nMeasured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine}.\n"
        f"Command: `{command}`\n\n{table}\n{marker_end}"
    )
    text = doc.read_text() if doc.exists() else ""
    if marker_start in text:
        text = re.sub(re.escape(marker_start) + r".*?" + re.escape(marker_end), lambda _: section, text, flags=re.S)
    else:
        text += ("\n" if text else "") + section + "\n"
    doc.write_text(text)


if __name__ == "__main__":
    main()
