"""`make bench`, part 3: the placement service at county scale (issue 4, "Performance").

Loads a fresh bench database with bench.generate_placement (5,000 employers, 20,000 job posts, 300,000 placements
over 100,000 people, their follow-ups and referrals), starts placement (uvicorn, one process) on port 18320 with
its own throw-away signing key (a JWKS served on 18321) and a FAKE registry on 18322 (a tiny ASGI app in its own
uvicorn process answering `POST /api/v1/persons/lookup` for the generated people with their skills, work ability
and measure; placement's gateway_url points at it), so what is measured is placement itself. It measures, at the
client, directly against the service:

- matching for one person (`GET /api/v1/job-posts/suitable-for/{person_id}`), a random placeable person each time;
- candidates for a post (`GET /api/v1/job-posts/{post_id}/candidates`), random open posts in the largest township;
- the subsidy evidence (`GET /api/v1/employers/{id}/subsidy-evidence?year=2026`) of the largest employer and of the
  median employer (by placements);

each one request at a time and with 8 concurrent clients, p50 / p95 / p99, with the service's own duration (its
access log's `ms`) beside the client's, and the fake registry's own latency (1 and 200 ids a lookup) so it can be
subtracted. The SQL each request sends is captured from an in-process instance of the same app (SQLAlchemy cursor
events, the fake registry as its transport) and replayed raw through asyncpg, alone (*query*) and as the audited
transaction (*txn*: the statements plus the audit row every read appends), for the service / raw ratios. EXPLAIN
ANALYZE shows each statement's plan, and candidate indexes are created ad hoc in the bench database (migrations are
not touched) and the affected requests measured again.

The table is recorded in docs/benchmarks.md between the bench:placement-volume markers (`--no-record`: print only).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench import common
from bench import generate_placement as gp
from bench.common import (
    BUDGET,
    INDEX_TABLE_HEAD,
    add_volume_arguments,
    asgi_request_body,
    budget,
    check,
    generated_unless_reused,
    latency_table,
    run_and_report,
    start_service,
    summary,
)
from bench.registry_volume import (
    Candidate,
    Keys,
    audit_row,
    index_baseline,
    index_experiments,
    machine,
    measure_scenarios,
    plan_summary,
    record_section,
    wait_ready,
)
from placement.config import Settings
from placement.matching.service import POSTS_CONSIDERED
from scripts.localdb import DATA_DIR
from shared.config import database_url_for

ROOT = Path(__file__).resolve().parent.parent
PLACEMENT_PORT, JWKS_PORT, FAKE_REGISTRY_PORT = 18320, 18321, 18322
OUT_DIR = DATA_DIR / "bench"
YEAR = 2026
DATABASE = gp.DATABASE
LOOKUP = "/api/v1/persons/lookup"
# Statements of the request's transaction that are not its own queries (the audit trail's; SAVEPOINTs).
BOOKKEEPING = re.compile(r"audit_log|pg_advisory_xact_lock|^\s*(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO)", re.I)


# --- The fake registry (its own process) ------------------------------------------------------------------------------


def fake_registry_app(people: list[gp.Person]):
    """A bare ASGI app answering the registry's batch lookup for these people (the rest are `missing`); any other
    path is 404. No auth check: placement relays the caller's token, which the real registry would verify."""
    items = {str(p.id): p.lookup_item() for p in people}

    async def app(scope, receive, send) -> None:
        body = await asgi_request_body(scope, receive, send)
        if body is None:
            return
        if scope["path"] != LOOKUP or scope["method"] != "POST":
            status, answer = 404, {"title": "Not found"}
        else:
            ids = json.loads(body)["ids"]
            found = [items[i] for i in ids if i in items]
            status, answer = 200, {"items": found, "missing": [i for i in ids if i not in items]}
        payload = json.dumps(answer, ensure_ascii=False).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})

    return app


def serve_fake_registry(port: int, people: int, seed: int, today: date) -> None:
    import uvicorn

    app = fake_registry_app(gp.people(people, seed, today))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def start_fake_registry(people: int, seed: int, today: date, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            *(sys.executable, "-m", "bench.placement_volume", "--fake-registry", str(FAKE_REGISTRY_PORT)),
            *("--people", str(people), "--seed", str(seed), "--today", today.isoformat()),
        ],
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )


def fake_latency(people: list[gp.Person], n: int) -> dict[str, dict[str, float]]:
    """The fake registry's own latency at the client, for 1 id and for 200 ids a lookup (what placement sends)."""
    rng = random.Random(1)
    out = {}
    with httpx.Client(timeout=30) as client:
        for size in (1, 200):
            latencies = []
            for _ in budget(n):
                ids = [str(p.id) for p in rng.sample(people, size)]
                t0 = time.perf_counter()
                response = client.post(f"http://127.0.0.1:{FAKE_REGISTRY_PORT}{LOOKUP}", json={"ids": ids})
                latencies.append((time.perf_counter() - t0) * 1000)
                if response.status_code != 200 or len(response.json()["items"]) != size:
                    raise SystemExit(f"fake registry: HTTP {response.status_code}")
            out[f"ids_{size}"] = summary(latencies)
    return out


# --- Scenarios --------------------------------------------------------------------------------------------------------


@dataclass
class Scenario:
    name: str
    label: str
    paths: list[str]  # one per request, cycled
    statements: list[str] = field(default_factory=list)
    queries: list[tuple[str, list[Any]]] = field(default_factory=list)
    response_bytes: int = 0

    def path(self, i: int) -> str:
        return self.paths[i % len(self.paths)]


def placeable(p: gp.Person) -> bool:
    return (
        p.status == "active"
        and p.work_ability != "unable"
        and (p.current_measure in ("community_detox", "community_rehabilitation") or p.released is not None)
    )


def scenarios(raw: Raw, persons: list[gp.Person], n: int, seed: int) -> tuple[list[Scenario], dict[str, Any]]:
    rng = random.Random(seed)
    chosen = rng.sample([p for p in persons if placeable(p)], n)
    counts, posts, open_dapu = raw.execute(
        "SELECT e.id, e.name, count(p.id) AS placements FROM employer e JOIN placement p ON p.employer_id = e.id "
        "GROUP BY e.id ORDER BY count(p.id) DESC, e.id",
        "SELECT id FROM job_post WHERE jurisdiction_code = 'dapu' AND status = 'open' AND filled < headcount "
        "AND working_pattern = 'full_time' "
        "AND opens_on <= current_date AND (closes_on IS NULL OR closes_on >= current_date) ORDER BY id",
        "SELECT count(*) FROM job_post WHERE jurisdiction_code = 'dapu' AND status = 'open'",
    )
    largest, median = counts[0], counts[len(counts) // 2]
    post_ids = [r["id"] for r in rng.sample(list(posts), min(n, len(posts)))]
    evidence = "/api/v1/employers/{}/subsidy-evidence?year=" + str(YEAR)
    items = [
        Scenario(
            "match_person",
            "matching: suitable posts for one person (random placeable person)",
            [f"/api/v1/job-posts/suitable-for/{p.id}" for p in chosen],
        ),
        Scenario(
            "candidates_post",
            "candidates for an open full-time post in dapu (pool ≤ 200 looked up)",
            [f"/api/v1/job-posts/{pid}/candidates" for pid in post_ids],
        ),
        Scenario(
            "evidence_largest",
            f"subsidy evidence {YEAR}, largest employer ({largest['placements']:,} placements)",
            [evidence.format(largest["id"])],
        ),
        Scenario(
            "evidence_median",
            f"subsidy evidence {YEAR}, median employer ({median['placements']:,} placements)",
            [evidence.format(median["id"])],
        ),
    ]
    facts = {
        "largest_employer": {"id": str(largest["id"]), "name": largest["name"], "placements": largest["placements"]},
        "median_employer": {"id": str(median["id"]), "placements": median["placements"]},
        "employers_with_placements": len(counts),
        "open_full_time_posts_dapu_recruiting": len(posts),
        "open_posts_dapu": open_dapu[0][0],
        "placeable_people": sum(1 for p in persons if placeable(p)),
    }
    return items, facts


# --- Driving the service ----------------------------------------------------------------------------------------------


class Driver(common.Driver):
    prefix = "pv"
    timeout = 60.0

    def __init__(self, base: str, token: str) -> None:
        super().__init__(base)
        self.token = token

    def request(self, scenario: Scenario, i: int) -> tuple[str, str, dict[str, str], bytes | None]:
        headers = {"authorization": f"Bearer {self.token}", "x-request-id": self.request_id(scenario)}
        return "GET", self.base + scenario.path(i), headers, None


# --- The SQL the service runs, captured in-process ----------------------------------------------------------------


async def capture_sql(url: str, keys: Keys, token: str, items: list[Scenario], people: list[gp.Person]) -> None:
    """Run each scenario once through an in-process placement app on the bench database (the fake registry as its
    transport) and keep every statement it sent, and its own queries with their parameters (what the replay runs)."""
    from sqlalchemy import event

    from placement.main import create_app

    async def fetch_jwks() -> dict:
        return keys.jwks

    lookup = fake_registry_app(people)
    settings = Settings(database_url=url, log_level="WARNING", registry_feed_enabled=False)
    app = create_app(settings, jwks_fetcher=fetch_jwks, registry_transport=httpx.ASGITransport(app=lookup))
    seen: list[tuple[str, Any]] = []
    async with app.router.lifespan_context(app):

        def listener(conn, cursor, statement, parameters, context, executemany) -> None:
            seen.append((statement, parameters))

        event.listen(app.state.engine.sync_engine, "before_cursor_execute", listener)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for scenario in items:
                seen.clear()
                response = await client.get(scenario.path(0), headers={"authorization": f"Bearer {token}"})
                check(response, scenario)
                scenario.response_bytes = len(response.content)
                scenario.statements = [" ".join(s.split()) for s, _ in seen]
                scenario.queries = [(s, list(p or ())) for s, p in seen if not BOOKKEEPING.search(s)]
                if not scenario.queries:
                    raise SystemExit(f"{scenario.name}: no query captured: {scenario.statements}")


# --- Raw asyncpg replay -----------------------------------------------------------------------------------------------


# What placement.audit.models.audit looks the jurisdictions of the people an audit row names up in.
PLACEMENT_JURISDICTIONS = " UNION ".join(
    f"SELECT jurisdiction_code FROM {table} WHERE person_id = ANY($2)"
    for table in ("placement", "referral", "self_employment", "training_enrolment", "handover", "registry_person")
)


class Raw(common.Raw):
    """The request's own statements through asyncpg, one after the other, alone ("query") or as the audited
    request's transaction ("txn": SAVEPOINT, the statements, RELEASE, the audit INSERT with the people the answer
    names and their jurisdictions, COMMIT). Parameters are those captured (the first request's)."""

    async def one(self, conn: asyncpg.Connection, scenario: Scenario, i: int, mode: str) -> float:
        t0 = time.perf_counter()
        if mode == "query":
            for sql, params in scenario.queries:
                await conn.fetch(sql, *params)
        else:
            async with conn.transaction():
                await conn.execute("SAVEPOINT sa_savepoint_1")
                ids: list[uuid.UUID] = []
                for sql, params in scenario.queries:
                    rows = await conn.fetch(sql, *params)
                    ids += [r.get("person_id") for r in rows if r.get("person_id") is not None]
                await conn.execute("RELEASE SAVEPOINT sa_savepoint_1")
                await audit_row(conn, ids, "bench.raw", PLACEMENT_JURISDICTIONS)
        return (time.perf_counter() - t0) * 1000

    def explain(self, scenario: Scenario) -> list[str]:
        async def plans(conn: asyncpg.Connection) -> list[str]:
            found = []
            for sql, params in scenario.queries:
                rows = await conn.fetch("EXPLAIN (ANALYZE, BUFFERS) " + sql, *params)
                found.append("\n".join(r[0] for r in rows))
            return found

        return self.on_one_connection(plans)


# --- Indexes tried ad hoc -------------------------------------------------------------------------------------------


CANDIDATES = [
    Candidate(
        "placement_employer_start",
        ["CREATE INDEX bench_ix_placement_employer_id_start_on ON placement (employer_id, start_on, id)"],
        ["DROP INDEX IF EXISTS bench_ix_placement_employer_id_start_on"],
        ["evidence_largest"],
        "the evidence reads an employer's placements `WHERE employer_id = $1 AND start_on <= $2 ORDER BY start_on, "
        "id`: ix_placement_employer_id finds them but they must be sorted",
    ),
    Candidate(
        "pool_by_recency",
        [
            "CREATE INDEX bench_ix_placement_jurisdiction_code_created_at ON placement (jurisdiction_code, created_at)",
            "CREATE INDEX bench_ix_referral_jurisdiction_code_created_at ON referral (jurisdiction_code, created_at)",
        ],
        [
            "DROP INDEX IF EXISTS bench_ix_placement_jurisdiction_code_created_at",
            "DROP INDEX IF EXISTS bench_ix_referral_jurisdiction_code_created_at",
        ],
        ["candidates_post"],
        "the candidate pool takes a township's most recent placements and referrals (`WHERE jurisdiction_code = $1 "
        "ORDER BY created_at DESC LIMIT 800`): with only ix_*_jurisdiction_code every row of the township is read "
        "and sorted",
    ),
    Candidate(
        "open_posts_recent",
        [
            "CREATE INDEX bench_ix_job_post_jurisdiction_code_status_created_at "
            "ON job_post (jurisdiction_code, status, created_at)"
        ],
        ["DROP INDEX IF EXISTS bench_ix_job_post_jurisdiction_code_status_created_at"],
        ["match_person"],
        "matching reads a township's newest open posts (`status = 'open' AND jurisdiction_code = $1 ORDER BY "
        "created_at DESC LIMIT 200`): ix_job_post_jurisdiction_code_status finds them, then a sort",
    ),
]


# --- The run ----------------------------------------------------------------------------------------------------------


def start_placement(url: str, log: Path, *, append: bool = False) -> subprocess.Popen:
    env = {
        **os.environ,
        "PLACEMENT_DATABASE_URL": url,
        "PLACEMENT_JWKS_URL": f"http://127.0.0.1:{JWKS_PORT}/.well-known/jwks.json",
        "PLACEMENT_GATEWAY_URL": f"http://127.0.0.1:{FAKE_REGISTRY_PORT}",
        "PLACEMENT_REGISTRY_FEED_ENABLED": "false",
        "PLACEMENT_LOG_LEVEL": "INFO",  # the access log line carries the service's own duration (`ms`)
        "PLACEMENT_LOG_JSON": "true",
    }
    return start_service("placement.main:create_app", PLACEMENT_PORT, env, log=log, append=append)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    gp.add_arguments(parser)
    add_volume_arguments(parser, requests=300, index_requests=80, budget=8.0)
    parser.add_argument("--no-record", action="store_true", help="print only; leave docs/benchmarks.md alone")
    parser.add_argument("--fake-registry", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--today", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fake_registry:
        serve_fake_registry(args.fake_registry, args.people, args.seed, date.fromisoformat(args.today))
        return
    BUDGET.seconds = args.budget
    run_and_report("placement_volume", run, args, render, record)


def run(args: argparse.Namespace, server_url: str, procs: list[subprocess.Popen]) -> dict[str, Any]:
    results: dict[str, Any] = {"machine": machine(), "args": vars(args)}
    url = generated_unless_reused(
        results,
        args,
        database_url_for(server_url, DATABASE),
        f"Generating {args.placements:,} placements over {args.people:,} people (seed {args.seed}) ...",
        lambda: gp.generate_from(server_url, args),
        lambda stats: gp.summary(stats, args.people),
    )

    today = date.today()
    persons = gp.people(args.people, args.seed, today)
    raw = Raw(url)
    version, counts = raw.execute(
        "SHOW server_version",
        "SELECT (SELECT count(*) FROM employer) AS employers, (SELECT count(*) FROM job_post) AS posts, "
        "(SELECT count(*) FROM placement) AS placements, (SELECT count(DISTINCT person_id) FROM placement) AS people, "
        "(SELECT count(*) FROM audit_log) AS audit_rows",
    )
    results["postgres"] = version[0][0]
    results["in_db"] = dict(counts[0])
    items, facts = scenarios(raw, persons, args.requests, args.seed)
    results["facts"] = facts

    keys = Keys()
    token = keys.token(department="nco", jurisdiction=None)
    asyncio.run(capture_sql(url, keys, token, items, persons))
    results["sql"] = {
        s.name: {"statements": s.statements, "queries": [q for q, _ in s.queries], "response_bytes": s.response_bytes}
        for s in items
    }

    jwks_server = keys.serve(JWKS_PORT)
    log = OUT_DIR / "placement_volume_service.log"
    base = f"http://127.0.0.1:{PLACEMENT_PORT}"
    try:
        procs.append(start_fake_registry(args.people, args.seed, today, OUT_DIR / "placement_volume_fake.log"))
        procs.append(start_placement(url, log))
        wait_ready(f"{base}/readyz")
        wait_fake()
        results["fake_registry"] = fake_latency(persons, min(args.requests, 200))

        driver = Driver(base, token)
        n = args.requests
        results["scenarios"] = measure_scenarios(items, driver, raw, n, log, warmup=10, plan_key="plans")
        results["labels"] = {s.name: s.label for s in items}
        results["index_baseline"] = index_baseline(items, CANDIDATES, driver, raw, args.index_requests)
        analyze = ["ANALYZE placement", "ANALYZE referral", "ANALYZE job_post"]
        results["indexes"] = index_experiments(
            CANDIDATES, items, driver, raw, args.index_requests, database=DATABASE, analyze=analyze, plan_key="plans"
        )
        audit_after = raw.execute("SELECT count(*) FROM audit_log")[0][0][0]
        results["audit_rows_added"] = audit_after - counts[0]["audit_rows"]
        results["load_end"] = machine()["load"]
        results["measured_at"] = f"{datetime.now(UTC):%Y-%m-%d %H:%M}"
    finally:
        jwks_server.shutdown()
    return results


def wait_fake(timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.post(f"http://127.0.0.1:{FAKE_REGISTRY_PORT}{LOOKUP}", json={"ids": []}, timeout=1).is_success:
                return
        time.sleep(0.2)
    raise SystemExit("the fake registry did not start")


# --- Report ---------------------------------------------------------------------------------------------------------


def render(r: dict[str, Any]) -> str:
    m = r["machine"]
    a = r["args"]
    lines = [
        f"Measured {r.get('measured_at') or f'{datetime.now(UTC):%Y-%m-%d %H:%M}'} UTC on {m['cpu']}, "
        f"{m['ram']} RAM, Python {m['python']}, PostgreSQL {r['postgres']}; load average at the start {m['load']} "
        "(the machine is shared with other engineers).",
        f"Command: `python -m bench.placement_volume --requests {a['requests']} --budget {a['budget']:g}` (the third "
        f"part of `make bench`); load average at the end {r.get('load_end', '?')}.",
        "",
    ]
    gen = r.get("generation")
    db = r["in_db"]
    if gen:
        rows = gen["rows"]
        lines += [
            f"**Data** (`bench/generate_placement.py`, seed {a['seed']}): {rows['employer']:,} employers "
            f"({rows['employer_designation']:,} designation steps, {rows['placement_site']:,} sites), "
            f"{rows['job_post']:,} job posts, {rows['placement']:,} placements over {db['people']:,} people, "
            f"{rows['placement_follow_up']:,} follow-ups, {rows['referral']:,} referrals: {gen['total_rows']:,} rows "
            f"loaded in {gen['seconds']} s = **{gen['rows_per_second']:,} rows/s** (building rows "
            f"{gen['phases_seconds']['build']} s, COPY {gen['phases_seconds']['copy']} s, index rebuild "
            f"{gen['phases_seconds']['indexes']} s, VACUUM ANALYZE {gen['phases_seconds']['vacuum_analyze']} s).",
            "",
        ]
    f = r["facts"]
    fake = r["fake_registry"]
    lines += [
        f"Largest employer: {f['largest_employer']['placements']:,} placements over the years; median employer "
        f"{f['median_employer']['placements']:,} ({f['employers_with_placements']:,} employers have any). Placeable "
        f"people (the matching sample): {f['placeable_people']:,}. Open posts in dapu, the largest township: "
        f"{f['open_posts_dapu']:,} (matching considers {POSTS_CONSIDERED} that can take the person, those "
        "wanting one of their skills first). "
        "The fake registry's own latency at the client, "
        f"p50 / p95: {fake['ids_1']['p50']:.1f} / {fake['ids_1']['p95']:.1f} ms for 1 id, "
        f"{fake['ids_200']['p50']:.1f} / {fake['ids_200']['p95']:.1f} ms for 200 ids.",
        "",
        "In-service latency, ms, at the client directly against placement (no gateway; the registry faked); *logged* "
        "= the service's own access-log duration; raw = the request's own captured SQL through asyncpg, *query* "
        "alone and as the audited *txn*; ratios = service p50 ÷ raw query p50 and ÷ raw txn p50.",
        "",
        *latency_table(r),
    ]
    lines += ["", "Plans (EXPLAIN ANALYZE, one run; each of the request's own statements in order):", ""]
    for name, s in r["scenarios"].items():
        kb = r["sql"][name]["response_bytes"] / 1024
        plans = "; ".join(plan_summary(p) for p in s["plans"])
        lines.append(f"- {r['labels'][name]} (answer {kb:,.0f} KiB): {plans}")
    lines += ["", *INDEX_TABLE_HEAD]
    for exp in r["indexes"]:
        ddl = " + ".join(f"`{c.replace('CREATE INDEX ', '')}`" for c in exp["create"])
        for name, after in exp["after"].items():
            before = r["index_baseline"][name]
            b, aft = before["service_c1"], after["service_c1"]
            plans = "; ".join(plan_summary(p) for p in after["plans"])
            lines.append(
                f"| {ddl} ({exp['size']}, built in {exp['build_s']:.1f} s) | {r['labels'][name]} | "
                f"{b['p50']:.1f} / {b['p95']:.1f} → {aft['p50']:.1f} / {aft['p95']:.1f} | "
                f"{before['raw_query_c1']['p50']:.2f} → {after['raw_query_c1']['p50']:.2f} | {plans} |"
            )
    lines += [""]
    for name in r["scenarios"]:
        stmts = r["sql"][name]["statements"]
        lines.append(
            f"- Statements of {name} (as captured, plus BEGIN/COMMIT): {len(stmts)}: "
            + "; ".join(f"`{_short(s)}`" for s in stmts)
        )
    lines += ["", f"Audit rows appended during the run: {r['audit_rows_added']:,}."]
    return "\n".join(lines)


def _short(sql: str) -> str:
    sql = re.sub(r"SELECT (\w+)\.\w+(?:, \1\.\w+){3,} FROM", r"SELECT \1.* FROM", sql)
    sql = re.sub(r"INSERT INTO audit_log \(.*", "INSERT INTO audit_log (…) VALUES (…) RETURNING audit_log.id", sql)
    return sql if len(sql) < 150 else sql[:147] + "…"


def record(report: str) -> None:
    record_section(report, "placement-volume", "The placement service at county scale (issue 4)")


if __name__ == "__main__":
    main()
