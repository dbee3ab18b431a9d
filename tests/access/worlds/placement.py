"""Placement's world for the access matrix, and the one request each operation is called with.

Per side (A: 大埔镇 Dapu, employer A; B: 沙埔镇 Shapu, employer B): a designated employer with a placement site and an
open job post; a person referred to the post and placed there under a contract (follow-ups due), enrolled in a
training session; a person released from compulsory isolation (a pending hand-over); a self-employed person with a
loan; and an employer import job started by the township's own staff. Side A also has a person not yet placed (whom
the creates name). People come from the registry twice, as in production: its lookup (a fake that applies the
registry's own lookup policy to the caller's token) and its event feed (the projection placement keeps).
Everything else is made through the API by the county NCO. Every request names side A's objects."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import httpx

from placement.main import create_app
from registry.persons import policy as registry_policy
from shared.auth import Principal
from shared.errors import Forbidden
from tests.access import webhooks
from tests.access.matrix import A, B, Call, Harness, World, fill_path
from tests.jobs import same_session
from tests.placement.imports.conftest import EMPLOYER_HEADER, csv_file
from tests.placement.placements.fakes import FakeRegistry, claims_of
from tests.placement.registry_feed.feed import FakeFeed, catch_up

SERVICE = "placement"
WEBHOOKS = "/api/v1/placement-webhooks"
YEAR = date.today().year
STARTED = date.today() - timedelta(days=200)
"""The worlds' contracts started here: the 3- and 6-month follow-ups are due."""


class PolicyRegistry(FakeRegistry):
    """The placement tests' fake registry, refusing a lookup as the registry's own policy does (403)."""

    def handle(self, request: httpx.Request) -> httpx.Response:
        token = (request.headers.get("authorization") or "").removeprefix("Bearer ")
        principal = Principal.from_claims(claims_of(request.headers.get("authorization")), token)
        try:
            registry_policy.require_lookup(principal)
        except Forbidden:
            return httpx.Response(403, json={"code": "no_person_access"})
        return super().handle(request)


def make_app(settings, jwks_fetcher):
    registry = PolicyRegistry()
    app = create_app(settings, jwks_fetcher=jwks_fetcher, registry_transport=httpx.MockTransport(registry.handle))
    app.state.access_registry = registry
    return app


def _ok(response: httpx.Response, status: int = 201) -> dict[str, Any]:
    assert response.status_code == status, f"{response.request.method} {response.request.url}: {response.text}"
    return response.json()


def _person(registry: FakeRegistry, feed: FakeFeed, jurisdiction: str, *, released: bool = False) -> str:
    """A person in the registry's lookup and on its feed (community rehabilitation, able to work)."""
    released_on = date.today() - timedelta(days=20) if released else None
    pid = registry.add(jurisdiction_code=jurisdiction, skills=["缫丝"], released_from_isolation_on=released_on)
    person = uuid.UUID(pid)
    feed.person(person, jurisdiction_code=jurisdiction)
    if released:
        feed.isolation(person, began_days_ago=720, ended_days_ago=20)
    feed.measure(person, "community_rehabilitation", date.today() - timedelta(days=400))
    return pid


async def _side(h: Harness, world: World, nco: dict, side: str, jurisdiction: str, n: int) -> dict[str, Any]:
    c = h.client
    registry: FakeRegistry = h.app.state.access_registry
    feed: FakeFeed = world.extra["feed"]
    placed = _person(registry, feed, jurisdiction)
    released = _person(registry, feed, jurisdiction, released=True)
    self_employed = _person(registry, feed, jurisdiction)
    free = _person(registry, feed, jurisdiction)
    await catch_up(h.session, feed)

    async def create(path: str, body: dict[str, Any]) -> dict[str, Any]:
        return _ok(await c.post(path, json=body, headers=nco))

    name = f"{jurisdiction}启航{n}号缫丝厂"
    employer = await create(
        "/api/v1/employers",
        {
            "name": name,
            "kind": "enterprise",
            "jurisdiction_code": jurisdiction,
            "address": f"柳城县{jurisdiction}龙江路{n}号",
            "contacts": [{"name": f"{jurisdiction}韦经理", "phone": f"0772-76{n:05d}"}],
        },
    )
    designation = await create(
        f"/api/v1/employers/{employer['id']}/designations",
        {"action": "designate", "effective_on": str(STARTED), "document_number": "柳城政办〔2012〕84号"},
    )
    site = await create(
        "/api/v1/placement-sites",
        {
            "employer_id": employer["id"],
            "kind": "point",
            "mode": "centralised",
            "name": f"{name}安置点",
            "designated_on": str(STARTED),
            "capacity": 30,
        },
    )
    post = await create(
        "/api/v1/job-posts",
        {
            "employer_id": employer["id"],
            "title": f"{jurisdiction}缫丝工",
            "sector": "茧丝绸加工",
            "headcount": 5,
            "monthly_wage": "2200.00",
            "contract_type": "fixed_term",
            "working_pattern": "full_time",
            "required_skills": ["缫丝"],
            "opens_on": str(STARTED),
            "status": "open",
        },
    )
    referral = await create("/api/v1/referrals", {"person_id": placed, "post_id": post["id"]})
    placement = await create(
        "/api/v1/placements",
        {
            "person_id": placed,
            "route": "centralised",
            "employer_id": employer["id"],
            "site_id": site["id"],
            "post_id": post["id"],
            "contract": {
                "number": f"QH-{jurisdiction}-{n}",
                "signed_on": str(STARTED),
                "start_on": str(STARTED),
                "end_on": str(STARTED + timedelta(days=730)),
                "open_ended": False,
                "monthly_wage": "2200.00",
            },
        },
    )
    course = await create(
        "/api/v1/trainings/courses",
        {
            "title": f"{jurisdiction}缫丝技能培训",
            "provider_kind": "human_resources",
            "provider_name": "柳城县人力资源和社会保障局",
            "skill": "缫丝",
            "hours": 40,
        },
    )
    session = await create(
        "/api/v1/trainings/sessions",
        {
            "course_id": course["id"],
            "start_on": str(date.today() - timedelta(days=30)),
            "end_on": str(date.today() - timedelta(days=28)),
            "place": f"{jurisdiction}社区戒毒康复工作站",
        },
    )
    enrolment = await create(f"/api/v1/trainings/sessions/{session['id']}/enrolments", {"person_id": placed})
    business = await create(
        "/api/v1/self-employments",
        {
            "person_id": self_employed,
            "business_kind": "restaurant",
            "business_name": f"{jurisdiction}启航小吃店",
            "start_on": str(date.today() - timedelta(days=100)),
        },
    )
    loan = await create(
        f"/api/v1/self-employments/{business['id']}/loans",
        {
            "amount": "50000.00",
            "lender": "柳城县农村信用合作联社",
            "disbursed_on": str(date.today() - timedelta(days=90)),
            "maturity_on": str(date.today() + timedelta(days=640)),
            "annual_rate_percent": "4.35",
        },
    )
    handovers = _ok(
        await c.get("/api/v1/handovers", params={"person_id": released}, headers=nco),
        200,
    )["items"]
    assert len(handovers) == 1, handovers
    world.hide(
        side,
        placed,
        released,
        self_employed,
        free,
        employer["id"],
        name,
        employer["contacts"][0]["name"],
        site["id"],
        post["id"],
        referral["id"],
        placement["id"],
        enrolment["id"],
        business["id"],
        business["business_name"],
        loan["id"],
        handovers[0]["id"],
    )
    return {
        "employer": employer,
        "designation": designation,
        "site": site,
        "post": post,
        "referral": referral,
        "placement": placement,
        "course": course,
        "session": session,
        "enrolment": enrolment,
        "business": business,
        "handover": handovers[0],
        "free": free,
        "placed": placed,
    }


async def _refresh(h: Harness, nco: dict, side: dict[str, Any]) -> None:
    """Read back what later steps changed (a designation, a site or a placement moves its employer's or post's
    version), so the If-Match of each request is current."""
    urls = {
        "employer": "/api/v1/employers/{}",
        "site": "/api/v1/placement-sites/{}",
        "post": "/api/v1/job-posts/{}",
        "referral": "/api/v1/referrals/{}",
        "placement": "/api/v1/placements/{}",
        "enrolment": "/api/v1/trainings/enrolments/{}",
        "business": "/api/v1/self-employments/{}",
        "handover": "/api/v1/handovers/{}",
    }
    for key, url in urls.items():
        side[key] = _ok(await h.client.get(url.format(side[key]["id"]), headers=nco), 200)


async def _import_job(h: Harness, world: World, side: str, jurisdiction: str, token: Callable[..., str], n: int):
    """An employer import by the township's own staff: one employer registered, one bad row (an issue)."""
    importer = h.app.state.placement_imports
    importer.runner.sessions = same_session(h.session)
    good, bad = f"{jurisdiction}导入{n}号厂", f"{jurisdiction}坏行{n}"
    rows = [EMPLOYER_HEADER, [good, "企业", "", jurisdiction, "", "", "", ""], [bad, "企业", "", "", "Z", "", "", ""]]
    staff = {"Authorization": f"Bearer {token(roles=['staff'], department='township', jurisdiction=jurisdiction)}"}
    started = _ok(
        await h.client.post(
            "/api/v1/placement-imports", params={"kind": "employers"}, files=csv_file(rows), headers=staff
        ),
        202,
    )
    await importer.runner.drain()
    world.hide(side, started["id"], good, bad)
    return started


async def build(h: Harness, token: Callable[..., str], **_: str) -> World:
    world = World(extra={"feed": FakeFeed()})
    nco = {"Authorization": f"Bearer {token(roles=['staff'], department='nco')}"}
    a = await _side(h, world, nco, "A", A, 1)
    b = await _side(h, world, nco, "B", B, 2)
    job = await _import_job(h, world, "A", A, token, 3)
    await _import_job(h, world, "B", B, token, 4)
    await _refresh(h, nco, a)
    world.employers = (uuid.UUID(a["employer"]["id"]), uuid.UUID(b["employer"]["id"]))
    world.extra.update(a=a, b=b, job=job)
    world.ids.update(
        employer_id=a["employer"]["id"],
        site_id=a["site"]["id"],
        post_id=a["post"]["id"],
        person_id=a["placed"],
        referral_id=a["referral"]["id"],
        placement_id=a["placement"]["id"],
        months=3,
        handover_id=a["handover"]["id"],
        course_id=a["course"]["id"],
        session_id=a["session"]["id"],
        enrolment_id=a["enrolment"]["id"],
        self_employment_id=a["business"]["id"],
        job_id=job["id"],
    )
    await webhooks.seed(h, world, token, WEBHOOKS, "human_resources", "placement.started")
    return world


def _a(w: World) -> dict[str, Any]:
    return w.extra["a"]


def _if_match(obj: dict[str, Any]) -> dict[str, str]:
    return {"If-Match": f'"{obj["version"]}"'}


def _contract(number: str, start: date) -> dict[str, Any]:
    return {
        "number": number,
        "signed_on": str(start),
        "start_on": str(start),
        "end_on": str(start + timedelta(days=730)),
        "open_ended": False,
        "monthly_wage": "2300.00",
    }


def _at(template: str) -> Callable[[World], str]:
    return lambda w: fill_path(template, w.ids)


def _versioned(template: str, key: str, body: dict[str, Any]) -> Callable[[World], Call]:
    """A write of `body` to side A's `key` object, with its current version as If-Match."""
    return lambda w: Call(_at(template)(w), json=body, headers=_if_match(_a(w)[key]))


KNOWN_LEAKS: dict[tuple[str, str], str] = {}
"""Operations whose answers are known to carry the other side's objects, with the issue that tracks each: the
matrix checks everything else about them, and that the leak is still there (so its fix cannot land unnoticed)."""
NOT_A_LIST = {
    **webhooks.not_a_list(WEBHOOKS),
    ("GET", "/api/v1/placement-audit-events/verify"): "the hash chain's verdict, not a list of objects",
    ("GET", "/api/v1/trainings/courses"): "the training catalogue names no one and belongs to no side",
    ("GET", "/api/v1/trainings/sessions"): "the training catalogue names no one and belongs to no side",
}
"""Collection GETs whose answer holds no side's objects, so the check that a county-wide caller sees both sides does
not apply (each with why)."""

REQUESTS: dict[tuple[str, str], Callable[[World], Call]] = {
    ("GET", "/api/v1/employers/export"): lambda w: Call("/api/v1/employers/export", params={"format": "csv"}),
    ("GET", "/api/v1/placements/export"): lambda w: Call("/api/v1/placements/export", params={"format": "csv"}),
    ("POST", "/api/v1/placement-imports"): lambda w: Call(
        "/api/v1/placement-imports",
        params={"kind": "employers", "dry_run": "true"},
        files=csv_file([EMPLOYER_HEADER, ["试导入厂", "企业", "", A, "", "", "", ""]]),
    ),
    ("POST", "/api/v1/employers"): lambda w: Call(
        "/api/v1/employers", json={"name": "大埔新厂", "kind": "enterprise", "jurisdiction_code": A}
    ),
    ("PATCH", "/api/v1/employers/{employer_id}"): _versioned(
        "/api/v1/employers/{employer_id}", "employer", {"address": "柳城县大埔镇新址"}
    ),
    ("POST", "/api/v1/employers/{employer_id}/designations"): lambda w: Call(
        _at("/api/v1/employers/{employer_id}/designations")(w),
        json={"action": "suspend", "effective_on": str(date.today()), "reason": "停产整顿"},
    ),
    ("GET", "/api/v1/employers/{employer_id}/designations/status"): lambda w: Call(
        _at("/api/v1/employers/{employer_id}/designations/status")(w), params={"on": str(date.today())}
    ),
    ("POST", "/api/v1/placement-sites"): lambda w: Call(
        "/api/v1/placement-sites",
        json={
            "employer_id": w.ids["employer_id"],
            "kind": "base",
            "mode": "dispersed",
            "name": "大埔第二安置基地",
            "designated_on": str(date.today()),
        },
    ),
    ("GET", "/api/v1/placement-sites/count"): lambda w: Call(
        "/api/v1/placement-sites/count", params={"on": str(date.today())}
    ),
    ("PATCH", "/api/v1/placement-sites/{site_id}"): _versioned(
        "/api/v1/placement-sites/{site_id}", "site", {"capacity": 40}
    ),
    ("POST", "/api/v1/placement-sites/{site_id}/close"): _versioned(
        "/api/v1/placement-sites/{site_id}/close", "site", {"closed_on": str(date.today()), "reason": "企业搬迁"}
    ),
    ("GET", "/api/v1/job-posts/{post_id}/candidates"): lambda w: Call(_at("/api/v1/job-posts/{post_id}/candidates")(w)),
    ("POST", "/api/v1/job-posts"): lambda w: Call(
        "/api/v1/job-posts",
        json={
            "employer_id": w.ids["employer_id"],
            "title": "包装工",
            "sector": "茧丝绸加工",
            "headcount": 2,
            "monthly_wage": "2000.00",
            "contract_type": "fixed_term",
            "working_pattern": "part_time",
            "opens_on": str(date.today()),
        },
    ),
    ("PATCH", "/api/v1/job-posts/{post_id}"): _versioned("/api/v1/job-posts/{post_id}", "post", {"headcount": 6}),
    ("POST", "/api/v1/referrals"): lambda w: Call(
        "/api/v1/referrals", json={"person_id": _a(w)["free"], "post_id": w.ids["post_id"]}
    ),
    ("POST", "/api/v1/referrals/{referral_id}/moves"): _versioned(
        "/api/v1/referrals/{referral_id}/moves", "referral", {"to": "interview"}
    ),
    ("POST", "/api/v1/placements"): lambda w: Call(
        "/api/v1/placements",
        json={
            "person_id": _a(w)["free"],
            "route": "centralised",
            "employer_id": w.ids["employer_id"],
            "contract": _contract("QH-new-1", date.today()),
        },
    ),
    ("PATCH", "/api/v1/placements/{placement_id}"): _versioned(
        "/api/v1/placements/{placement_id}",
        "placement",
        {"contract": _contract("QH-dapu-1", STARTED) | {"monthly_wage": "2400.00"}},
    ),
    ("POST", "/api/v1/placements/{placement_id}/end"): _versioned(
        "/api/v1/placements/{placement_id}/end", "placement", {"ended_on": str(date.today()), "reason": "resigned"}
    ),
    ("PUT", "/api/v1/placements/{placement_id}/follow-ups/{months}"): _versioned(
        "/api/v1/placements/{placement_id}/follow-ups/{months}",
        "placement",
        {"done_on": str(date.today()), "still_working": True},
    ),
    ("GET", "/api/v1/employers/{employer_id}/subsidy-evidence"): lambda w: Call(
        _at("/api/v1/employers/{employer_id}/subsidy-evidence")(w), params={"year": YEAR}
    ),
    ("GET", "/api/v1/subsidy-evidence"): lambda w: Call("/api/v1/subsidy-evidence", params={"year": YEAR}),
    ("POST", "/api/v1/handovers/{handover_id}/close"): _versioned(
        "/api/v1/handovers/{handover_id}/close", "handover", {"reason": "declined", "closed_on": str(date.today())}
    ),
    ("GET", "/api/v1/trainings/shortfall"): lambda w: Call("/api/v1/trainings/shortfall", params={"year": YEAR}),
    ("POST", "/api/v1/trainings/courses"): lambda w: Call(
        "/api/v1/trainings/courses",
        json={
            "title": "电焊培训",
            "provider_kind": "human_resources",
            "provider_name": "县人社局",
            "skill": "电焊",
            "hours": 60,
        },
    ),
    ("POST", "/api/v1/trainings/sessions"): lambda w: Call(
        "/api/v1/trainings/sessions",
        json={
            "course_id": w.ids["course_id"],
            "start_on": str(date.today() + timedelta(days=10)),
            "end_on": str(date.today() + timedelta(days=12)),
            "place": "大埔镇社区戒毒康复工作站",
        },
    ),
    ("POST", "/api/v1/trainings/sessions/{session_id}/enrolments"): lambda w: Call(
        _at("/api/v1/trainings/sessions/{session_id}/enrolments")(w), json={"person_id": _a(w)["free"]}
    ),
    ("POST", "/api/v1/trainings/enrolments/{enrolment_id}/completion"): _versioned(
        "/api/v1/trainings/enrolments/{enrolment_id}/completion",
        "enrolment",
        {"completed_on": str(date.today() - timedelta(days=28))},
    ),
    ("POST", "/api/v1/self-employments"): lambda w: Call(
        "/api/v1/self-employments",
        json={
            "person_id": _a(w)["free"],
            "business_kind": "shop",
            "business_name": "启航便利店",
            "start_on": str(date.today() - timedelta(days=5)),
        },
    ),
    ("GET", "/api/v1/self-employments/loans"): lambda w: Call("/api/v1/self-employments/loans", params={"year": YEAR}),
    ("PATCH", "/api/v1/self-employments/{self_employment_id}"): _versioned(
        "/api/v1/self-employments/{self_employment_id}", "business", {"licence_number": "92450222MA5L1234X"}
    ),
    ("POST", "/api/v1/self-employments/{self_employment_id}/loans"): lambda w: Call(
        _at("/api/v1/self-employments/{self_employment_id}/loans")(w),
        json={
            "amount": "20000.00",
            "lender": "柳城县农村信用合作联社",
            "disbursed_on": str(date.today() - timedelta(days=1)),
            "maturity_on": str(date.today() + timedelta(days=364)),
            "annual_rate_percent": "4.35",
        },
    ),
    **webhooks.requests(WEBHOOKS, "human_resources", "placement.started"),
}
