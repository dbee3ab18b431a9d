"""The access matrix: every operation of a service, called by every kind of caller, answered as its service's
expectation table (tests/access/<service>.py) says.

The vocabulary of the tables:

- a caller's **kind** is its department (`nco`, `township`, `police`, ...), `service` for the platform's own
  clients (`svc-*`, role `service`) or `employer` for an employer's integration client (claim `emp`);
- a caller's **side**: township staff and clients are of jurisdiction A (Dapu) or B (Shapu), employer clients of
  employer A or B; everyone else is county-wide (no side);
- a `Rule` says which kinds may call the operation and with which scope (everyone else authenticated: 403, no token:
  401), and on which axes (`JUR`, `EMP`) the object it names belongs to a side: the worlds' objects are side A's, so
  for side-B callers on those axes it does not exist (404, or `other_side`).

What a run checks, for each operation and caller: the status matches (allowed means not refused: no 401, 403 or
404, and never a 5xx), no answer to a caller of one side carries an id or a name of the other side's objects
(lists, feeds, exports and counts included), and at least one allowed caller got a 2xx (so "allowed" was proven
with a request the service accepts).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from starlette.routing import Route

from gateway.clients.schemas import EMPLOYER_CLIENT_SCOPES
from gateway.clients.service import SERVICE_SCOPES as GATEWAY_SERVICE_SCOPES
from shared.reference import DEPARTMENTS, scopes_for_roles
from tests.conftest import rolled_back_app

A, B = "dapu", "shapu"
"""The two jurisdictions of the worlds: side A (大埔镇) owns every object the requests name."""
JUR, EMP = "jurisdiction", "employer"
"""The axes on which an object belongs to a side."""
SERVICE, EMPLOYER = "service", "employer"
KINDS = frozenset({*DEPARTMENTS, SERVICE, EMPLOYER})
ANYONE = KINDS
STAFF_ROLES = ("staff", "viewer", "auditor", "admin")
SERVICE_SCOPES: dict[str, tuple[str, ...]] = {name: tuple(scopes) for name, scopes in GATEWAY_SERVICE_SCOPES.items()}
"""The platform's service clients' scopes, as the gateway registers them."""
EMPLOYER_SCOPES = tuple(sorted(EMPLOYER_CLIENT_SCOPES))
"""Every scope the gateway lets an employer's client hold: the matrix tries the widest one."""
CLIENTS = frozenset(
    {*(f"svc-{s}" for s in SERVICE_SCOPES), "client:civil_affairs", "client:township@B"}
    | {"client:employer@A", "client:employer@B"}
)
"""The names of the callers that are clients (client credentials), not staff users."""
OK = None
"""An expectation: the caller is not refused."""
LEAK = "the answer carries side"
REFUSALS = frozenset({401, 403, 404})
CONTRACT_HEADERS = ("etag", "location", "retry-after", "idempotent-replayed")
"""Headers a client acts on: an answer that carries one must have it declared in its operation's documented
response (routes declare them with shared.openapi.response_headers; nothing infers them any more)."""


@dataclass(frozen=True)
class Caller:
    name: str
    kind: str | None
    """Department, SERVICE or EMPLOYER; None: no token."""
    side: str | None = None
    """"A" or "B" for township and employer callers; None: county-wide."""
    scopes: frozenset[str] = frozenset()
    claims: Mapping[str, Any] | None = None
    """make_token's arguments; None: no token at all."""
    role: str | None = None
    """staff, viewer, auditor, admin; service or integration for clients."""

    @property
    def axis(self) -> str | None:
        if self.side is None:
            return None
        return EMP if self.kind == EMPLOYER else JUR


def _user(role: str, department: str, side: str | None = None) -> Caller:
    jurisdiction = {"A": A, "B": B}.get(side or "")
    name = f"{role}:{department}" + (f"@{side}" if side else "")
    scopes = frozenset(scopes_for_roles({role}))
    claims = {"roles": [role], "department": department, "jurisdiction": jurisdiction, "scopes": sorted(scopes)}
    return Caller(name, department, side, scopes, claims, role)


def _client(name: str, kind: str, scopes: Iterable[str], side: str | None = None, **claims: Any) -> Caller:
    roles = ["service"] if kind == SERVICE else ["integration"]
    token = {"roles": roles, "kind": "client", "scopes": sorted(scopes), **claims}
    return Caller(name, kind, side, frozenset(scopes), token, roles[0])


def callers(employer_a: uuid.UUID, employer_b: uuid.UUID) -> list[Caller]:
    """Every kind of caller: each role of each department (township staff of A and of B), the platform's four
    service clients, two department integration clients, the clients of employers A and B, and no token."""
    found: list[Caller] = []
    for role in STAFF_ROLES:
        for department in DEPARTMENTS:
            if department == "township":
                found += [_user(role, department, "A"), _user(role, department, "B")]
            else:
                found.append(_user(role, department))
    for service, scopes in SERVICE_SCOPES.items():
        found.append(_client(f"svc-{service}", SERVICE, scopes, department="it", jurisdiction=None))
    found += [
        _client(
            "client:civil_affairs",
            "civil_affairs",
            ["registry:read", "registry:write"],
            department="civil_affairs",
            jurisdiction=None,
        ),
        _client(
            "client:township@B",
            "township",
            ["registry:read", "placement:read", "placement:write"],
            side="B",
            department="township",
            jurisdiction=B,
        ),
        _client("client:employer@A", EMPLOYER, EMPLOYER_SCOPES, "A", department=None, emp=str(employer_a)),
        _client("client:employer@B", EMPLOYER, EMPLOYER_SCOPES, "B", department=None, emp=str(employer_b)),
        Caller("anonymous", None),
    ]
    return found


@dataclass(frozen=True)
class Rule:
    """Who may call one operation. Read it as: callers of the kinds in `who` whose token carries `scope` get an
    answer (everyone else authenticated 403, no token 401); on the axes in `own` the object the request names is
    side A's, so a side-B caller gets `other_side` (404: it does not exist for them)."""

    who: frozenset[str]
    scope: str | None
    own: frozenset[str] = frozenset()
    other_side: int = 404
    county_wide: bool = False
    """Only county-wide callers: township callers of either side are refused (403)."""
    unseen: frozenset[str] = frozenset()
    """Kinds that pass the policy but for whom the object the request names does not exist (404), on any side."""
    roles: frozenset[str] = frozenset()
    """Roles that pass whatever their kind (a rule that lets every admin in, of any department)."""
    refused: Mapping[str, int] = field(default_factory=dict)
    """Caller name -> status, for the few cases the columns above cannot say (the table says why)."""
    public: bool = False
    """No token needed; everyone, anonymous included, gets an answer."""

    def __post_init__(self) -> None:
        for name in ("who", "own", "unseen", "roles"):
            object.__setattr__(self, name, frozenset(getattr(self, name)))
        unknown = (self.who | self.unseen) - KINDS
        if unknown:
            raise ValueError(f"unknown caller kinds: {sorted(unknown)}")

    def expect(self, caller: Caller) -> int | None:
        if self.public:
            return OK
        if caller.kind is None:
            return 401
        if caller.name in self.refused:
            return self.refused[caller.name]
        if (caller.kind not in self.who and caller.role not in self.roles) or (
            self.scope is not None and self.scope not in caller.scopes
        ):
            return 403
        if self.county_wide and caller.side is not None:
            return 403
        if caller.side == "B" and caller.axis in self.own:
            return self.other_side
        if caller.kind in self.unseen:
            return 404
        return OK


PUBLIC = Rule(who=ANYONE, scope=None, public=True)
HEALTH_AND_DOCS = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/docs/oauth2-redirect"): PUBLIC,
    ("GET", "/redoc"): PUBLIC,
}
"""The rows every service's table starts with: its health checks and its API documentation, open to anyone."""
AUDIT_TRAIL = Rule(who=ANYONE, scope="audit:read")
"""An audit trail: any caller with the audit:read scope (admins and auditors of any department); a township's sees
only the events concerning its own jurisdiction (the leak check holds it to that)."""


def rules_for(service: str):
    """read(who, ...) and write(who, ...): rules needing `<service>:read` or `<service>:write`."""

    def read(who: Iterable[str], **kw: Any) -> Rule:
        return Rule(who=frozenset(who), scope=f"{service}:read", **kw)

    def write(who: Iterable[str], **kw: Any) -> Rule:
        return Rule(who=frozenset(who), scope=f"{service}:write", **kw)

    return read, write


def kinds(*names: str) -> frozenset[str]:
    unknown = set(names) - KINDS
    if unknown:
        raise ValueError(f"unknown caller kinds: {sorted(unknown)}")
    return frozenset(names)


def own_document(app: FastAPI) -> dict[str, Any]:
    """The app's own OpenAPI document (the gateway's without the services' operations it merges in)."""
    merger = getattr(app.state, "openapi", None)
    return merger.own() if merger is not None else app.openapi()


def operations(app: FastAPI) -> set[tuple[str, str]]:
    """Every operation of the app: its OpenAPI document's, and the routes it serves outside it (documentation)."""
    ops = {(method.upper(), path) for path, item in own_document(app)["paths"].items() for method in item}
    for route in app.routes:
        if isinstance(route, Route) and not route.include_in_schema:
            ops |= {(m, route.path) for m in route.methods or () if m != "HEAD"}
    return ops


DOCUMENTATION = frozenset(
    {("GET", "/openapi.json"), ("GET", "/docs"), ("GET", "/docs/oauth2-redirect"), ("GET", "/redoc")}
)
"""Every app's documentation routes: reference data (the OpenAPI document lists every jurisdiction code)."""


@dataclass
class Call:
    """One request, as every caller sends it."""

    path: str
    params: Mapping[str, Any] | None = None
    json: Any = None
    files: Mapping[str, Any] | None = None
    data: Mapping[str, Any] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


Builder = Callable[[Any], Call]


def fill_path(template: str, ids: Mapping[str, Any]) -> str:
    """/api/v1/persons/{person_id} with ids["person_id"]."""
    out = template
    for name, value in ids.items():
        out = out.replace("{" + name + "}", str(value))
    if "{" in out:
        raise KeyError(f"no id for a parameter of {template}")
    return out


class Harness:
    """An app in-process on one connection: the world is built in its outer transaction and every matrix request runs
    in a savepoint rolled back after it, so each caller finds the same world."""

    def __init__(self, client: httpx.AsyncClient, session: AsyncSession, conn: AsyncConnection, app: FastAPI) -> None:
        self.client = client
        self.session = session
        self.conn = conn
        self.app = app
        self.after: list[Callable[[], Awaitable[None]]] = []
        """Run after each request's rollback (e.g. the gateway reloads the signing keys it holds in memory)."""

    async def send(self, method: str, call: Call, token: str | None) -> httpx.Response:
        headers = dict(call.headers)
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        savepoint = await self.conn.begin_nested()
        try:
            return await self.client.request(
                method,
                call.path,
                params=call.params,
                json=call.json,
                files=call.files,
                data=call.data,
                headers=headers,
            )
        finally:
            if self.session.in_transaction():
                await self.session.rollback()
            await savepoint.rollback()
            self.session.expunge_all()
            for hook in self.after:
                await hook()
            if self.session.in_transaction():
                # A hook's reads (on the test's session) leave a savepoint open: close it before the next request.
                await self.session.rollback()


@asynccontextmanager
async def isolated(app: FastAPI, url: str) -> AsyncIterator[Harness]:
    """tests/conftest.py's recipe (outer transaction, create_savepoint sessions), with the connection exposed."""
    async with rolled_back_app(app, url, timeout=60) as (client, session, conn):
        yield Harness(client, session, conn, app)


@dataclass
class World:
    """What a service's world holds: ids for path parameters, the other side's secrets, and the calls."""

    ids: dict[str, Any] = field(default_factory=dict)
    secrets: dict[str, set[str]] = field(default_factory=lambda: {"A": set(), "B": set()})
    """Per side, the ids and names of its objects that must never reach a caller of the other side."""
    codes: dict[str, set[str]] = field(default_factory=lambda: {"A": {f'"{A}"'}, "B": {f'"{B}"'}})
    """Per side, its jurisdiction code as a JSON value: an answer that holds the other side's code holds something
    of the other side (an object's `jurisdiction_code`, a count by jurisdiction), except reference data."""
    extra: dict[str, Any] = field(default_factory=dict)
    employers: tuple[uuid.UUID, uuid.UUID] = field(default_factory=lambda: (uuid.uuid4(), uuid.uuid4()))
    """Employers A and B, whose integration clients are among the callers."""

    def hide(self, side: str, *values: Any) -> None:
        self.secrets[side] |= {str(v) for v in values if v is not None}


@dataclass
class Outcome:
    caller: str
    expected: int | None
    status: int
    problem: str | None


def _describe(expected: int | None) -> str:
    return "an answer" if expected is OK else str(expected)


def judge(
    caller: Caller,
    expected: int | None,
    response: httpx.Response,
    world: World,
    echo: str,
    *,
    reference: bool,
    unseen: bool,
) -> str | None:
    """`echo`: what the request itself carried (an id the caller sent may come back, e.g. as `missing`);
    `reference`: the operation answers reference data that names every jurisdiction by design; `unseen`: the object
    does not exist for this caller, so a 404 is as good a refusal as the 403 its rights call for (a service may look
    the object up before it checks the rights)."""
    status = response.status_code
    if status >= 500:
        return f"{caller.name}: {status} (a server error), expected {_describe(expected)}"
    if expected is OK and status in REFUSALS:
        return f"{caller.name}: refused {status} ({_code(response)}), expected an answer"
    if expected is not OK and status != expected and not (expected == 403 and status == 404 and unseen):
        return f"{caller.name}: {status} ({_code(response)}), expected {expected}"
    if caller.side is not None:
        other = "B" if caller.side == "A" else "A"
        secrets = world.secrets[other] if reference else world.secrets[other] | world.codes[other]
        seen = sorted(s for s in secrets if s in response.text and s not in echo)
        if seen:
            return f"{caller.name}: {LEAK} {other}'s {', '.join(seen[:3])} (status {status})"
    return None


def declared_headers(operation: Mapping[str, Any]) -> dict[str, frozenset[str]]:
    """Per documented status of one operation: the header names its response declares, lower-cased."""
    return {
        status: frozenset(name.lower() for name in answer.get("headers", {}))
        for status, answer in operation.get("responses", {}).items()
    }


def undeclared_headers(response: httpx.Response, declared: Mapping[str, frozenset[str]]) -> list[str]:
    """The contract headers a successful answer carries that its documented response does not declare."""
    if not 200 <= response.status_code < 300:
        return []
    named = declared.get(str(response.status_code), frozenset())
    return [h for h in CONTRACT_HEADERS if h in response.headers and h not in named]


def _code(response: httpx.Response) -> str:
    try:
        return str(response.json().get("code"))
    except (ValueError, AttributeError):
        return "-"


async def walk(
    harness: Harness,
    method: str,
    call: Call,
    rule: Rule,
    everyone: list[Caller],
    tokens: Mapping[str, str | None],
    world: World,
    *,
    reference: bool = False,
    both_sides: bool = False,
    declared: Mapping[str, frozenset[str]] | None = None,
) -> tuple[list[str], list[Outcome]]:
    """Send one operation's call as every caller; the problems found and every outcome.

    `both_sides`: the operation lists the world's objects, so a county-wide caller's answer must hold some of each
    side's (else the leak check on the sides' answers proves nothing); `declared`: the headers the operation's
    documented responses declare (`declared_headers`), checked against every successful answer."""
    problems: list[str] = []
    outcomes: list[Outcome] = []
    county_answer: str | None = None
    echo = " ".join([call.path, json.dumps(call.params, default=str), json.dumps(call.json, default=str)])
    for caller in everyone:
        expected = rule.expect(caller)
        response = await harness.send(method, call, tokens[caller.name])
        unseen = caller.side == "B" and caller.axis in rule.own
        problem = judge(caller, expected, response, world, echo, reference=reference, unseen=unseen)
        if problem:
            problems.append(problem)
        if declared is not None:
            for header in undeclared_headers(response, declared):
                undocumented = (
                    f"a {response.status_code} answer sends {header}, which its OpenAPI response does not declare"
                )
                if undocumented not in problems:
                    problems.append(undocumented)
        outcomes.append(Outcome(caller.name, expected, response.status_code, problem))
        if county_answer is None and caller.side is None and expected is OK and 200 <= response.status_code < 300:
            county_answer = response.text
    allowed = [o for o in outcomes if o.expected is OK and o.caller != "anonymous"]
    if allowed and not any(200 <= o.status < 300 for o in allowed):
        statuses = sorted({o.status for o in allowed})
        problems.append(f"no allowed caller got a 2xx (got {statuses}): the request does not prove access")
    if both_sides and county_answer is not None:
        for side in ("A", "B"):
            if not any(s in county_answer for s in world.secrets[side] | world.codes[side]):
                problems.append(
                    f"a county-wide caller's answer holds nothing of side {side}: the world gives this list nothing "
                    "to leak (add to the world, or name the operation in the world module's NOT_A_LIST)"
                )
    return problems, outcomes


def report(method: str, template: str, problems: list[str]) -> str:
    return f"{method} {template}:\n  " + "\n  ".join(problems)


def tokens_for(
    everyone: list[Caller], make_token: Callable[..., str], subjects: Mapping[str, str] | None = None
) -> dict[str, str | None]:
    """Each caller's token; `subjects`: caller name -> `sub` where the service checks the subject exists (the
    gateway)."""
    subjects = subjects or {}
    tokens: dict[str, str | None] = {}
    for c in everyone:
        if c.claims is None:
            tokens[c.name] = None
            continue
        extra = {"sub": subjects[c.name]} if c.name in subjects else {}
        tokens[c.name] = make_token(lifetime=3600, name=c.name, **dict(c.claims), **extra)
    return tokens
