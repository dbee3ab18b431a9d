"""`make bench`, part 2: the registry at county scale (issue 3, "Performance").

Loads a fresh bench database with bench.generate_registry (100,000 people, about 1,000,000 events), starts the
registry (uvicorn, one process) on port 18300 with its own throw-away signing key (a JWKS served on 18301, so no
gateway is involved) and measures, at the client, directly against the service:

- list pages (`GET /api/v1/persons`): the issue's filtered page (one jurisdiction, able to work, aged 25-45), a
  one-character name search as township staff (token `jur`) and county-wide, a full-name search county-wide, and
  the county-wide first page;
- lookup by ID number (`POST /api/v1/persons/search-by-id-number`) of random existing people;

each one request at a time and with 8 concurrent clients, p50 / p95 / p99. The service's own duration (its access
log's `ms`, request-id matched) is reported beside the client's. The SQL the service runs is captured from an
in-process instance of the same app (SQLAlchemy cursor events) and replayed raw through asyncpg, alone and as the
whole audited transaction (the query plus the audit row every read appends), to give the service / raw ratio.
EXPLAIN ANALYZE shows each query's plan, and candidate indexes are created ad hoc in the bench database and the
affected queries measured again (migrations are not touched).

The table is recorded in docs/benchmarks.md between the bench:registry-volume markers (`--no-record`: print only).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import contextvars
import http.server
import json
import os
import platform
import random
import re
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import asyncpg
import httpx

from bench import common
from bench.common import (
    BUDGET,
    INDEX_TABLE_HEAD,
    add_volume_arguments,
    check,
    generated_unless_reused,
    latency_table,
    run_and_report,
    start_service,
    summary,
)
from bench.generate_registry import DATABASE, DEFAULT_PEOPLE, DEFAULT_SEED, generate
from registry.config import Settings
from registry.persons.crypto import IdNumberCipher, decode_key
from scripts.localdb import DATA_DIR
from shared import jwt as qjwt
from shared.config import database_url_for
from shared.reference import scopes_for_roles

ROOT = Path(__file__).resolve().parent.parent
REGISTRY_PORT, JWKS_PORT = 18300, 18301
KID = "bench-volume-1"
OUT_DIR = DATA_DIR / "bench"
PERSONS = "/api/v1/persons"
LOOKUP = "/api/v1/persons/search-by-id-number"


# --- Tokens and the JWKS the registry fetches -------------------------------------------------------------------------


class Keys:
    def __init__(self) -> None:
        self.pem = qjwt.generate_private_key_pem()
        self.jwks = {"keys": [qjwt.public_jwk(self.pem, KID)]}

    def token(self, *, department: str, jurisdiction: str | None) -> str:
        now = int(time.time())
        claims = {
            "iss": "qihang-gateway",
            "aud": "qihang-api",
            "sub": f"bench-{department}-{jurisdiction or 'county'}",
            "iat": now,
            "nbf": now,
            "exp": now + 3 * 3600,
            "jti": uuid.uuid4().hex,
            "typ": "user",
            "name": "bench",
            "roles": ["staff"],
            "dept": department,
            "jur": jurisdiction,
            "scope": " ".join(sorted(scopes_for_roles({"staff"}))),
        }
        return qjwt.sign(claims, self.pem, KID)

    def serve(self, port: int) -> http.server.ThreadingHTTPServer:
        body = json.dumps(self.jwks).encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server


# --- Scenarios --------------------------------------------------------------------------------------------------------


@dataclass
class Scenario:
    name: str
    label: str
    token: str  # "county" (nco, no jur) or "dapu" (township staff of dapu)
    path: str = PERSONS
    query: str = ""
    lookup: bool = False
    sql: str = ""
    params: list[Any] = field(default_factory=list)
    statements: list[str] = field(default_factory=list)

    @property
    def url_path(self) -> str:
        return f"{self.path}?{self.query}" if self.query else self.path


def scenarios(full_name: str) -> list[Scenario]:
    return [
        Scenario(
            "list_filtered",
            "list: dapu, able, aged 25-45 (county token)",
            "county",
            query="jurisdiction_code=dapu&work_ability=able&age_min=25&age_max=45&limit=50",
        ),
        Scenario("list_name_town", "list: q=伟 (township token, jur=dapu)", "dapu", query=f"q={quote('伟')}&limit=50"),
        Scenario("list_name_county", "list: q=伟 county-wide", "county", query=f"q={quote('伟')}&limit=50"),
        Scenario(
            "list_fullname_county",
            f"list: q=<full name, {len(full_name)} chars> county-wide",
            "county",
            query=f"q={quote(full_name)}&limit=50",
        ),
        Scenario("list_county", "list: first page county-wide", "county", query="limit=50"),
        Scenario("lookup_id", "lookup by ID number (random people)", "county", path=LOOKUP, lookup=True),
    ]


# --- Driving the service ----------------------------------------------------------------------------------------------


class Driver(common.Driver):
    prefix = "bv"

    def __init__(self, base: str, tokens: dict[str, str], id_numbers: list[str]) -> None:
        super().__init__(base)
        self.tokens = tokens
        self.id_numbers = id_numbers

    def request(self, scenario: Scenario, i: int) -> tuple[str, str, dict[str, str], bytes | None]:
        headers = {"authorization": f"Bearer {self.tokens[scenario.token]}", "x-request-id": self.request_id(scenario)}
        if scenario.lookup:
            number = self.id_numbers[i % len(self.id_numbers)]
            headers["content-type"] = "application/json"
            return "POST", self.base + scenario.url_path, headers, json.dumps({"id_number": number}).encode()
        return "GET", self.base + scenario.url_path, headers, None


def service_durations(log: Path, request_ids: dict[str, str]) -> dict[str, list[float]]:
    """The service's own duration of each request (its access log's `ms`), by "<scenario>/<level>"."""
    out: dict[str, list[float]] = {}
    for line in log.read_text(errors="replace").splitlines():
        if '"msg": "request"' not in line:
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        name = request_ids.get(entry.get("request_id") or "")
        if name:
            out.setdefault(name, []).append(float(entry["ms"]))
    return out


# --- The SQL the service runs, captured in-process ----------------------------------------------------------------


capturing: contextvars.ContextVar[bool] = contextvars.ContextVar("capturing", default=False)


async def capture_sql(url: str, keys: Keys, tokens: dict[str, str], items: list[Scenario], id_number: str) -> None:
    """Run each scenario once through an in-process registry app on the bench database and keep, per scenario, every
    statement it sent and the person query with its parameters (what the raw replay runs)."""
    from sqlalchemy import event

    from registry.main import create_app

    async def fetch_jwks() -> dict:
        return keys.jwks

    app = create_app(Settings(database_url=url, log_level="WARNING"), jwks_fetcher=fetch_jwks)
    seen: list[tuple[str, Any]] = []
    async with app.router.lifespan_context(app):

        def listener(conn, cursor, statement, parameters, context, executemany) -> None:
            if capturing.get():  # the request's own statements, not the sealer's or the webhook worker's
                seen.append((statement, parameters))

        event.listen(app.state.engine.sync_engine, "before_cursor_execute", listener)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for scenario in items:
                seen.clear()
                headers = {"authorization": f"Bearer {tokens[scenario.token]}"}
                token = capturing.set(True)
                try:
                    if scenario.lookup:
                        response = await client.post(scenario.path, json={"id_number": id_number}, headers=headers)
                    else:
                        response = await client.get(scenario.url_path, headers=headers)
                finally:
                    capturing.reset(token)
                check(response, scenario)
                scenario.statements = [" ".join(s.split()) for s, _ in seen]
                # The audit INSERT finds jurisdictions FROM person too: the person query is the SELECT.
                person_queries = [
                    (s, p) for s, p in seen if s.startswith("SELECT") and re.search(r"\bFROM person\b", s)
                ]
                if len(person_queries) != 1:
                    raise SystemExit(f"{scenario.name}: expected one person query, saw {scenario.statements}")
                scenario.sql, params = person_queries[0]
                scenario.params = list(params or ())


# --- Raw asyncpg replay -----------------------------------------------------------------------------------------------


class Raw(common.Raw):
    """The same person query through asyncpg, alone ("query") or as the audited request's transaction ("txn":
    BEGIN, the query, the audit INSERT, COMMIT; a read has no savepoint since issue 11)."""

    def __init__(self, url: str, hashes: list[str]) -> None:
        super().__init__(url)
        self.hashes = hashes

    def params(self, scenario: Scenario, i: int) -> list[Any]:
        if scenario.lookup:
            return [self.hashes[i % len(self.hashes)]]
        return scenario.params

    async def one(self, conn: asyncpg.Connection, scenario: Scenario, i: int, mode: str) -> float:
        t0 = time.perf_counter()
        if mode == "query":
            await conn.fetch(scenario.sql, *self.params(scenario, i))
        else:
            async with conn.transaction():
                rows = await conn.fetch(scenario.sql, *self.params(scenario, i))
                await audit_row(conn, [r["id"] for r in rows], "bench.raw")
        return (time.perf_counter() - t0) * 1000

    def explain(self, scenario: Scenario) -> str:
        async def plan(conn: asyncpg.Connection) -> str:
            rows = await conn.fetch("EXPLAIN (ANALYZE, BUFFERS) " + scenario.sql, *self.params(scenario, 0))
            return "\n".join(r[0] for r in rows)

        return self.on_one_connection(plan)


REGISTRY_JURISDICTIONS = (
    "SELECT jurisdiction_code FROM person WHERE id = ANY($2) "
    "UNION SELECT from_jurisdiction_code FROM person_transfer WHERE id = ANY($2) "
    "UNION SELECT to_jurisdiction_code FROM person_transfer WHERE id = ANY($2)"
)


async def audit_row(
    conn: asyncpg.Connection, ids: list[uuid.UUID], operation: str, jurisdictions: str = REGISTRY_JURISDICTIONS
) -> None:
    """What shared.audit.AuditLog.record does for a read, in raw SQL: one INSERT (the database stamps time and
    transaction, `jurisdictions` finds the jurisdictions of the ids in $2; the service's sealer chains it later)."""
    await conn.fetchval(
        "INSERT INTO audit_log (actor_subject, actor_kind, actor_name, actor_roles, actor_department, "
        "actor_jurisdiction, operation, resource_type, resource_ids, jurisdictions, changes, outcome, request_id) "
        "VALUES ('bench-raw', 'system', 'bench', '{}', NULL, NULL, $1, 'person', $2, "
        f"(SELECT coalesce(array_agg(code ORDER BY code), '{{}}') FROM ({jurisdictions}) AS found(code)), "
        "NULL, 'success', NULL) RETURNING id",
        operation,
        sorted(set(ids), key=str),
    )


# --- Indexes tried ad hoc -------------------------------------------------------------------------------------------


@dataclass
class Candidate:
    name: str
    create: list[str]
    drop: list[str]
    affects: list[str]
    why: str
    settings: dict[str, str] = field(default_factory=dict)
    """Database-level settings (ALTER DATABASE ... SET) for the variant; the registry is restarted to pick them up."""


CANDIDATES = [
    # Migration r0009 added the trigram index after the first run of this benchmark (which tried it ad hoc), and the
    # engine now plans every execution with its own values (plan_cache_mode = force_custom_plan, shared.db); this
    # variant measures what the index is worth by taking it away for a moment.
    Candidate(
        "no_trgm",
        ["DROP INDEX IF EXISTS ix_person_name_trgm"],
        ["CREATE INDEX IF NOT EXISTS ix_person_name_trgm ON person USING gin (name gin_trgm_ops)"],
        ["list_name_town", "list_name_county", "list_fullname_county"],
        "without r0009's trigram index: `name LIKE '%…%'` cannot use a b-tree, so a full-name search scans everyone",
    ),
    Candidate(
        "status_name",
        ["CREATE INDEX bench_ix_person_status_name_id ON person (status, name, id)"],
        ["DROP INDEX IF EXISTS bench_ix_person_status_name_id"],
        ["list_name_county", "list_county", "list_fullname_county"],
        "county-wide lists ordered by (name, id): ix_person_list leads with jurisdiction_code",
    ),
]


# --- Import rate (POST /api/v1/person-imports) ------------------------------------------------------------------


def measure_import(base: str, token: str, rows: int) -> dict[str, Any] | None:
    """IMPORT-RATE HOOK (issue 3: "import at least 2,000 rows per second"). None when the running registry has no
    `POST /api/v1/person-imports`; otherwise uploads a CSV of `rows` new people (`--import-rows`, default 20,000;
    0 skips it) as county-wide NCO staff, follows the job's Location until it ends, and returns rows/s measured at the
    client from the upload to the job's end (and from the job's own started_at / finished_at)."""
    openapi = httpx.get(f"{base}/openapi.json", timeout=30).json()
    if "/api/v1/person-imports" not in openapi.get("paths", {}):
        return None
    data = import_csv(rows, seed=DEFAULT_SEED + 1).encode("utf-8")
    headers = {"authorization": f"Bearer {token}", "idempotency-key": uuid.uuid4().hex}
    t0 = time.perf_counter()
    response = httpx.post(
        f"{base}/api/v1/person-imports",
        files={"file": ("bench-import.csv", data, "text/csv")},
        headers=headers,
        timeout=300,
    )
    accepted = time.perf_counter() - t0
    if response.status_code != 202:
        return {"error": f"HTTP {response.status_code}: {response.text[:300]}"}
    job = _poll(base, token, response, timeout=1200)
    elapsed = time.perf_counter() - t0
    out: dict[str, Any] = {
        "rows": rows,
        "bytes": len(data),
        "accepted_s": round(accepted, 2),
        "seconds": round(elapsed, 1),
        "rows_per_second": round(rows / elapsed),
        "job": job,
    }
    if job.get("started_at") and job.get("finished_at"):
        ran = datetime.fromisoformat(job["finished_at"]) - datetime.fromisoformat(job["started_at"])
        out["job_seconds"] = round(ran.total_seconds(), 1)
        out["job_rows_per_second"] = round(rows / max(ran.total_seconds(), 1e-3))
    return out


def import_csv(rows: int, *, seed: int) -> str:
    """A CSV of new, valid people (fresh ID numbers from another seed) with the import's Chinese headings; 确认非重复
    is 是 because common names at this scale would otherwise be held back as possible duplicates."""
    from bench.generate_registry import JURISDICTION_WEIGHTS, Generator

    gen = Generator(seed, cipher=None, today=datetime.now(UTC).date())  # type: ignore[arg-type]
    gen.areas, gen.area_cum = ["450225"], [1.0]  # an area code the bench data never uses: no number is taken
    codes = list(JURISDICTION_WEIGHTS)
    lines = ["姓名,公民身份号码,就业能力,所属乡镇,联系电话,文化程度,确认非重复"]
    for i in range(rows):
        male = gen.rng.random() < 0.85
        number = gen.id_number(gen.birth_date(), male)
        lines.append(f"{gen.name(male)},{number},有劳动能力,{codes[i % len(codes)]},{gen.phone()},初中,是")
    return "\n".join(lines) + "\n"


def _poll(base: str, token: str, response: httpx.Response, *, timeout: float) -> dict[str, Any]:
    job = response.json()
    location = response.headers.get("location") or f"/api/v1/person-imports/{job['id']}"
    deadline = time.monotonic() + timeout
    while job.get("status") in ("queued", "running"):
        if time.monotonic() > deadline:
            raise SystemExit(f"import job did not finish in {timeout} s: {job}")
        time.sleep(0.5)
        job = httpx.get(base + location, headers={"authorization": f"Bearer {token}"}, timeout=30).json()
    return {k: v for k, v in job.items() if not isinstance(v, list | dict)}


# --- The run ----------------------------------------------------------------------------------------------------------


def start_registry(url: str, log: Path, *, append: bool = False) -> subprocess.Popen:
    env = {
        **os.environ,
        "REGISTRY_DATABASE_URL": url,
        "REGISTRY_JWKS_URL": f"http://127.0.0.1:{JWKS_PORT}/.well-known/jwks.json",
        "REGISTRY_LOG_LEVEL": "INFO",  # the access log line carries the service's own duration (`ms`)
        "REGISTRY_LOG_JSON": "true",
    }
    return start_service("registry.main:create_app", REGISTRY_PORT, env, log=log, append=append)


def wait_ready(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=1).status_code == 200:
                return
        time.sleep(0.2)
    raise SystemExit(f"not ready: {url}")


def sample_people(raw: Raw, cipher: IdNumberCipher, n: int, seed: int) -> tuple[list[str], str]:
    """n random people's ID numbers (decrypted as the service would) and a 3-character name that exists."""
    persons, names = raw.execute(
        "SELECT id_number_cipher FROM person ORDER BY id",
        "SELECT name FROM person WHERE status = 'active' AND char_length(name) = 3 ORDER BY id LIMIT 1000",
    )
    rng = random.Random(seed)
    numbers = [cipher.decrypt(r["id_number_cipher"]) for r in rng.sample(list(persons), n)]
    return numbers, rng.choice([r["name"] for r in names])


def plan_summary(plan: str) -> str:
    """The plan's access path in one line: node names and indexes, and the execution time."""
    nodes = []
    for line in plan.splitlines():
        text = line.strip().removeprefix("->").strip()
        match = re.match(r"^([A-Z][A-Za-z ]+?)(?: using (\w+))?(?: on \w+)?\s+\(cost", text)
        if match:
            node = match.group(1) + (f" {match.group(2)}" if match.group(2) else "")
            nodes.append(node)
    executed = re.search(r"Execution Time: ([\d.]+) ms", plan)
    removed = sum(int(n) for n in re.findall(r"Rows Removed by Filter: (\d+)", plan))
    tail = f"; {removed:,} rows filtered out" if removed else ""
    return f"{' → '.join(nodes)} ({executed.group(1) if executed else '?'} ms{tail})"


def machine() -> dict[str, str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem = next(
        (
            int(line.split()[1]) / 1024 / 1024
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        0.0,
    )
    return {
        "cpu": f"{os.cpu_count()} cores ({cpu})",
        "ram": f"{mem:.0f} GiB",
        "python": platform.python_version(),
        "load": " ".join(f"{x:.1f}" for x in os.getloadavg()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=DEFAULT_PEOPLE)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    add_volume_arguments(parser, requests=500, index_requests=200, budget=BUDGET.seconds)
    parser.add_argument("--import-rows", type=int, default=20_000, help="0 skips the import-rate hook")
    parser.add_argument("--no-record", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args()
    BUDGET.seconds = args.budget
    run_and_report("registry_volume", run, args, render, record)


def run(args: argparse.Namespace, server_url: str, procs: list[subprocess.Popen]) -> dict[str, Any]:
    results: dict[str, Any] = {"machine": machine(), "args": vars(args)}
    url = generated_unless_reused(
        results,
        args,
        database_url_for(server_url, DATABASE),
        f"Generating {args.people:,} people (seed {args.seed}) ...",
        lambda: generate(server_url, people=args.people, seed=args.seed),
        lambda stats: stats.summary(),
    )

    settings = Settings()
    cipher = IdNumberCipher(
        decode_key(settings.id_number_encryption_key.get_secret_value()),
        decode_key(settings.id_number_hash_key.get_secret_value()),
    )
    raw_probe = Raw(url, [])
    version, counts = raw_probe.execute(
        "SHOW server_version",
        "SELECT (SELECT count(*) FROM person) AS people, (SELECT count(*) FROM audit_log) AS audit_rows",
    )
    results["postgres"] = version[0][0]
    results["people_in_db"] = counts[0]["people"]
    id_numbers, full_name = sample_people(raw_probe, cipher, args.requests, args.seed)
    raw = Raw(url, [cipher.lookup_hash(n) for n in id_numbers])

    keys = Keys()
    tokens = {
        "county": keys.token(department="nco", jurisdiction=None),
        "dapu": keys.token(department="township", jurisdiction="dapu"),
    }
    items = scenarios(full_name)
    asyncio.run(capture_sql(url, keys, tokens, items, id_numbers[0]))
    results["sql"] = {s.name: {"statements": s.statements, "person_query": s.sql} for s in items}

    jwks_server = keys.serve(JWKS_PORT)
    log = OUT_DIR / "registry_volume_service.log"
    base = f"http://127.0.0.1:{REGISTRY_PORT}"
    try:
        procs.append(start_registry(url, log))
        wait_ready(f"{base}/readyz")

        def restart() -> None:
            proc = procs.pop()
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=15)
            procs.append(start_registry(url, log, append=True))
            wait_ready(f"{base}/readyz")

        driver = Driver(base, tokens, id_numbers)
        n = args.requests
        results["scenarios"] = measure_scenarios(items, driver, raw, n, log, warmup=20, plan_key="plan")
        results["labels"] = {s.name: s.label for s in items}
        results["index_baseline"] = index_baseline(items, CANDIDATES, driver, raw, args.index_requests)
        results["indexes"] = index_experiments(
            CANDIDATES, items, driver, raw, args.index_requests, database=DATABASE, analyze=["ANALYZE person"],
            plan_key="plan", restart=restart,
        )  # fmt: skip

        audit_after = raw.execute("SELECT count(*) FROM audit_log")[0][0][0]
        results["audit_rows_added"] = audit_after - counts[0]["audit_rows"]
        results["import"] = measure_import(base, tokens["county"], args.import_rows) if args.import_rows else None
        results["load_end"] = machine()["load"]
        results["measured_at"] = f"{datetime.now(UTC):%Y-%m-%d %H:%M}"
    finally:
        jwks_server.shutdown()
    return results


# --- Report ---------------------------------------------------------------------------------------------------------


def render(r: dict[str, Any]) -> str:
    m = r["machine"]
    lines = [
        f"Measured {r.get('measured_at') or f'{datetime.now(UTC):%Y-%m-%d %H:%M}'} UTC on {m['cpu']}, "
        f"{m['ram']} RAM, Python {m['python']}, "
        f"PostgreSQL {r['postgres']}; load average at the start {m['load']} (the machine is shared).",
        f"Command: `python -m bench.registry_volume --requests {r['args']['requests']} "
        f"--budget {r['args']['budget']:g}` (the second half of `make bench`); load average at the end "
        f"{r.get('load_end', '?')}.",
        "",
    ]
    gen = r.get("generation")
    if gen:
        rows = gen["rows"]
        lines += [
            f"**Data** (`bench/generate_registry.py`, seed {r['args']['seed']}): {gen['people']:,} people, "
            f"{gen['events']:,} events (control_measure {rows['control_measure']:,} + drug_test {rows['drug_test']:,} "
            f"+ relapse {rows['relapse']:,} + support_visit {rows['support_visit']:,} + outbox_event "
            f"{rows['outbox_event']:,}), {gen['total_rows']:,} rows in all (with support_member, welfare_record, "
            f"welfare_relief), loaded in {gen['seconds']} s = **{gen['rows_per_second']:,} rows/s** "
            f"(building rows {gen['phases_seconds']['build']} s, COPY {gen['phases_seconds']['copy']} s, index rebuild "
            f"{gen['phases_seconds']['indexes']} s, VACUUM ANALYZE {gen['phases_seconds']['vacuum_analyze']} s).",
            "",
        ]
    lines += [
        "In-service latency, ms, at the client directly against the registry (no gateway); *logged* = the "
        "service's own access-log duration; raw = the captured SQL through asyncpg, *query* alone and as the "
        "audited *txn*; ratios = service p50 ÷ raw query p50 and ÷ raw txn p50.",
        "",
        *latency_table(r),
    ]
    lines += ["", "Plans (EXPLAIN ANALYZE, one run):", ""]
    for name, s in r["scenarios"].items():
        lines.append(f"- {r['labels'][name]}: {plan_summary(s['plan'])}")
    lines += ["", *INDEX_TABLE_HEAD]
    for exp in r["indexes"]:
        ddl = f"`{exp['create'][-1].replace('CREATE INDEX ', '')}`"
        if exp.get("settings"):
            ddl += " with " + ", ".join(f"`{k} = {v}`" for k, v in exp["settings"].items())
        for name, after in exp["after"].items():
            before = r["index_baseline"][name]
            b, a = before["service_c1"], after["service_c1"]
            lines.append(
                f"| {ddl} ({exp['size']}, built in {exp['build_s']:.1f} s) | {r['labels'][name]} | "
                f"{b['p50']:.1f} / {b['p95']:.1f} → {a['p50']:.1f} / {a['p95']:.1f} | "
                f"{before['raw_query_c1']['p50']:.2f} → {after['raw_query_c1']['p50']:.2f} | "
                f"{plan_summary(after['plan'])} |"
            )
    stmts = r["sql"]["lookup_id"]["statements"]
    lines += [
        "",
        f"Statements per audited read (lookup by ID number, as captured): {len(stmts)} plus BEGIN/COMMIT: "
        + "; ".join(f"`{_short(s)}`" for s in stmts)
        + f". Audit rows appended during the run: {r['audit_rows_added']:,}.",
    ]
    imp = r.get("import")
    if imp is None:
        lines += [
            "",
            "Import rate: not measured. `POST /api/v1/person-imports` did not exist in this registry; the hook is "
            "`bench.registry_volume.measure_import` (runs automatically once the route exists; `--import-rows`).",
        ]
    elif "error" in imp:
        lines += ["", f"Import rate: the import endpoint answered {imp['error']}."]
    else:
        job = imp["job"]
        lines += [
            "",
            f"Import rate: {imp['rows']:,} rows ({imp['bytes'] / 1e6:.1f} MB CSV) through `POST /api/v1/person-imports`"
            f", upload answered in {imp['accepted_s']} s, job {job.get('status')} (created {job.get('created')}, "
            f"skipped {job.get('skipped')}, failed {job.get('failed')}) {imp['seconds']} s after the upload began = "
            f"**{imp['rows_per_second']:,} rows/s** end to end"
            + (
                f" ({imp['job_rows_per_second']:,} rows/s over the job's own {imp['job_seconds']} s)."
                if "job_seconds" in imp
                else "."
            ),
        ]
    return "\n".join(lines)


def _short(sql: str) -> str:
    sql = re.sub(r"SELECT person\.\w+, .*? FROM person", "SELECT person.* FROM person", sql)
    sql = re.sub(r"INSERT INTO audit_log \(.*", "INSERT INTO audit_log (…) VALUES (…) RETURNING audit_log.id", sql)
    return sql if len(sql) < 140 else sql[:137] + "…"


def record(report: str) -> None:
    record_section(report, "registry-volume", "The registry at county scale (issue 3)")


def measure_scenarios(
    items: list[Any], driver: Any, raw: Any, n: int, log: Path, *, warmup: int, plan_key: str
) -> dict[str, dict[str, Any]]:
    """Each scenario `n` times one at a time and with CONCURRENCY clients, on the service (`driver`) and raw through
    asyncpg (`raw`, the query alone and as the audited transaction), its plan, and the service's own logged times."""
    measured: dict[str, dict[str, Any]] = {}
    for s in items:
        print(f"  {s.name} ...", flush=True)
        driver.sequential(s, warmup, "warmup")  # connections, prepared statements, caches
        raw.sequential(s, warmup, "query")
        measured[s.name] = {
            "service_c1": driver.sequential(s, n),
            "raw_query_c1": raw.sequential(s, n, "query"),
            "raw_txn_c1": raw.sequential(s, n, "txn"),
            "service_c8": driver.concurrent(s, n),
            "raw_query_c8": raw.concurrent(s, n, "query"),
            "raw_txn_c8": raw.concurrent(s, n, "txn"),
            plan_key: raw.explain(s),
        }
    for key, durations in service_durations(log, driver.request_ids).items():
        name, level = key.split("/")
        if level in ("c1", "c8"):
            measured[name][f"logged_{level}"] = summary(durations)
    return measured


def index_baseline(items: list[Any], candidates: list[Any], driver: Any, raw: Any, n: int) -> dict[str, Any]:
    """ "Without" measured again just before the index trials, with as many requests as "with", so both see the
    machine in the same mood."""
    by_name = {s.name: s for s in items}
    return {
        name: {
            "service_c1": driver.sequential(by_name[name], n, "index-none"),
            "raw_query_c1": raw.sequential(by_name[name], n, "query"),
        }
        for name in dict.fromkeys(n for c in candidates for n in c.affects)
    }


def index_experiments(
    candidates: list[Candidate],
    items: list[Any],
    driver: Any,
    raw: Any,
    n: int,
    *,
    database: str,
    analyze: list[str],
    plan_key: str,
    restart: Callable[[], None] | None = None,
) -> list[dict[str, Any]]:
    """Each candidate index made (then `analyze`) in the bench database `database`, with its settings if any (the
    service restarted to pick them up), the requests it affects measured `n` times with it on the service and raw,
    and dropped again (settings reset); with its size and build time."""
    by_name = {s.name: s for s in items}
    experiments = []
    for candidate in candidates:
        print(f"  index {candidate.name} ...", flush=True)
        t0 = time.perf_counter()
        raw.execute(*candidate.create, *analyze)
        build_s = time.perf_counter() - t0
        if candidate.settings:
            raw.execute(*(f"ALTER DATABASE {database} SET {k} = {v}" for k, v in candidate.settings.items()))
            restart()
        size = raw.execute(
            "SELECT pg_size_pretty(sum(pg_relation_size(indexrelid))) FROM pg_stat_user_indexes "
            "WHERE indexrelname LIKE 'bench_ix_%'"
        )[0][0][0]
        after = {}
        for name in candidate.affects:
            s = by_name[name]
            driver.sequential(s, 10, "warmup")
            after[name] = {
                "service_c1": driver.sequential(s, n, f"index-{candidate.name}"),
                "raw_query_c1": raw.sequential(s, n, "query"),
                plan_key: raw.explain(s),
            }
        raw.execute(*candidate.drop, *analyze)
        if candidate.settings:
            raw.execute(*(f"ALTER DATABASE {database} RESET {k}" for k in candidate.settings))
            restart()
        experiments.append(
            {"name": candidate.name, "create": candidate.create, "why": candidate.why, "build_s": build_s}
            | {"size": size, "after": after, "settings": candidate.settings}
        )
    return experiments


def record_section(report: str, marker: str, heading: str) -> None:
    """Write `report` between `<!-- bench:<marker>:start/end -->` in docs/benchmarks.md (appended under `heading`
    the first time)."""
    doc = ROOT / "docs" / "benchmarks.md"
    start, end = f"<!-- bench:{marker}:start -->", f"<!-- bench:{marker}:end -->"
    section = f"{start}\n{report}\n{end}"
    text = doc.read_text() if doc.exists() else ""
    if start in text:
        text = re.sub(re.escape(start) + r".*?" + re.escape(end), lambda _: section, text, flags=re.S)
    else:
        text = text.rstrip("\n") + f"\n\n## {heading}\n\n" + section + "\n"
    doc.write_text(text)


if __name__ == "__main__":
    main()
