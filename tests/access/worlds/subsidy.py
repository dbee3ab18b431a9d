"""The subsidy service's world for the access matrix, and the one request each operation is called with.

County-wide: the 2013 policy (published, version 1) and its draft version 2, written by finance; the 2013 budget of
the enterprise subsidy; one finished evaluation. Per side (A: employer A in 大埔镇 Dapu, B: employer B in 沙埔镇
Shapu): the employer's 2013 decisions (enterprise placement and tax reduction) with their evidence, written by the
evaluation's own code from placement's facts, and an application for the enterprise subsidy submitted by the
township's staff. Placement is a fake behind the service's client (tests/subsidy/fakes.py), answering both sides'
evidence. Every request names side A's objects."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
from pydantic import SecretStr
from sqlalchemy import select

from subsidy.decisions import calculator
from subsidy.decisions.models import SubsidyDecision
from subsidy.decisions.service import record_outcomes
from subsidy.evaluations.models import SubsidyEvaluation
from subsidy.evidence.schemas import EmployerFacts
from subsidy.main import create_app
from subsidy.policies.models import SubsidyPolicy
from subsidy.policies.rules import parse_rules
from tests.access import webhooks
from tests.access.matrix import A, B, Call, Harness, World, fill_path
from tests.principals import user
from tests.subsidy.fakes import FakePlacement, contract, employer

SERVICE = "subsidy"
WEBHOOKS = "/api/v1/subsidy-webhooks"
YEAR = 2013
TIERS = [
    {"min_headcount": 100, "max_headcount": None, "amount": "30000.00"},
    {"min_headcount": 50, "max_headcount": 99, "amount": "20000.00"},
    {"min_headcount": 1, "max_headcount": 49, "amount": "10000.00"},
]
RULES = [{"type": "enterprise_placement", "tiers": TIERS}, {"type": "tax_reduction"}]
TYPES = ["enterprise_placement", "tax_reduction"]


def make_app(settings, jwks_fetcher):
    placement = FakePlacement(token_factory=lambda: "token-of-svc-subsidy")
    settings = settings.model_copy(
        update={"service_client_id": "svc-subsidy", "service_client_secret": SecretStr("access-matrix")}
    )
    app = create_app(settings, jwks_fetcher=jwks_fetcher, placement_transport=httpx.MockTransport(placement.handle))
    app.state.access_placement = placement
    return app


def policy_body(year: int, **overrides: Any) -> dict[str, Any]:
    return {
        "year": year,
        "title": f"{year}年度“启航工程”企业安置经费补助标准",
        "effective_from": f"{year}-01-01",
        "effective_to": f"{year}-12-31",
        "rules": RULES,
        "notes": "依据柳城政办〔2012〕84号",
    } | overrides


def _ok(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, f"{response.request.method} {response.request.url}: {response.text}"
    return response.json()


async def build(h: Harness, token: Callable[..., str], **_: str) -> World:
    world = World()
    employer_a, employer_b = world.employers
    finance = {"Authorization": f"Bearer {token(roles=['staff'], department='finance')}"}
    c = h.client
    published = _ok(await c.post("/api/v1/subsidy-policies", json=policy_body(YEAR), headers=finance), 201)
    _ok(await c.post(f"/api/v1/subsidy-policies/{published['id']}/publish", headers=finance), 200)
    draft = _ok(await c.post("/api/v1/subsidy-policies", json=policy_body(YEAR, title="修订稿"), headers=finance), 201)
    _ok(
        await c.put(
            f"/api/v1/subsidy-budgets/{YEAR}/enterprise_placement", json={"amount": "500000.00"}, headers=finance
        ),
        201,
    )

    # Both sides' evidence, as placement's batch would answer it, decided by the evaluation's own code.
    facts = {
        side: employer(
            [contract(f"{YEAR}-01-01", f"{YEAR}-12-31", year=YEAR, jurisdiction=code) for _ in range(2)],
            employer_id=str(employer_id),
            jurisdiction=code,
        )
        for side, code, employer_id in (("A", A, employer_a), ("B", B, employer_b))
    }
    h.app.state.access_placement.employers[YEAR] = list(facts.values())
    policy_row = await h.session.get(SubsidyPolicy, uuid.UUID(published["id"]))
    evaluation = SubsidyEvaluation(
        id=uuid.uuid4(),
        year=YEAR,
        policy_id=policy_row.id,
        policy_version=policy_row.version,
        subsidy_types=TYPES,
        status="succeeded",
        phase="done",
        total_employers=2,
        fetched_employers=2,
        beneficiaries=4,
        decisions_written=4,
        unchanged=0,
        owner_subject="access-nco",
        owner_kind="user",
        owner_name="access",
        owner_roles=["staff"],
        owner_department="nco",
    )
    h.session.add(evaluation)
    await h.session.flush()
    outcomes = calculator.evaluate(
        parse_rules(policy_row.rules),
        year=YEAR,
        types=TYPES,
        employers=[EmployerFacts.model_validate(f) for f in facts.values()],
        records=[],
        loans=[],
        source=calculator.Source(definition="access matrix"),
    )
    nco = user("access", department="nco", jurisdiction=None, subject="access-nco")
    await record_outcomes(
        h.session,
        year=YEAR,
        policy_row=policy_row,
        outcomes=outcomes,
        types=TYPES,
        employer_ids=None,
        evaluation_id=evaluation.id,
        principal=nco,
    )
    await h.session.flush()
    # Read from the database, not the list: a county-wide list read would leave an audit row naming both sides.
    rows = await h.session.execute(
        select(SubsidyDecision.beneficiary_id, SubsidyDecision.subsidy_type, SubsidyDecision.id)
    )
    by = {(str(b), t): str(i) for b, t, i in rows.all()}

    applications = {}
    for side, code, employer_id in (("A", A, employer_a), ("B", B, employer_b)):
        clerk = {
            "Authorization": "Bearer "
            + token(roles=["staff"], department="township", jurisdiction=code, sub=f"access-clerk-{side}")
        }
        decision_id = by[(str(employer_id), "enterprise_placement")]
        applications[side] = _ok(
            await c.post("/api/v1/subsidy-applications", json={"decision_id": decision_id}, headers=clerk), 201
        )["id"]
        people = [line[key] for line in facts[side]["contracts"] for key in ("person_id", "placement_id")]
        world.hide(
            side,
            employer_id,
            applications[side],
            *(by[(str(employer_id), t)] for t in TYPES),
            *people,
        )

    world.ids = {
        "policy_id": draft["id"],
        "published_id": published["id"],
        "year": YEAR,
        "subsidy_type": "enterprise_placement",
        "evaluation_id": evaluation.id,
        "decision_id": by[(str(employer_a), "enterprise_placement")],
        "tax_decision_id": by[(str(employer_a), "tax_reduction")],
        "application_id": applications["A"],
    }
    await webhooks.seed(h, world, token, WEBHOOKS, "finance", "subsidy_decision.made")
    return world


NOT_A_LIST = {
    **webhooks.not_a_list(WEBHOOKS),
    ("GET", "/api/v1/subsidy-policies"): "subsidy policies are county rules: no side's objects",
    ("GET", "/api/v1/subsidy-audit-events/verify"): "the hash chain's verdict, not a list of objects",
    ("GET", "/api/v1/subsidy-types"): "the types of subsidy: reference data",
    ("GET", "/api/v1/subsidy-budgets"): "budgets are county money per year and type: no side's objects",
    ("GET", "/api/v1/subsidy-evaluations"): "evaluations are county jobs: no side's objects",
}

REQUESTS: dict[tuple[str, str], Callable[[World], Call]] = {
    ("POST", "/api/v1/subsidy-policies"): lambda w: Call("/api/v1/subsidy-policies", json=policy_body(2015)),
    ("PATCH", "/api/v1/subsidy-policies/{policy_id}"): lambda w: Call(
        fill_path("/api/v1/subsidy-policies/{policy_id}", w.ids),
        json={"title": "修订稿二"},
        headers={"If-Match": '"1"'},
    ),
    ("GET", "/api/v1/subsidy-policies/{policy_id}/tier-for"): lambda w: Call(
        fill_path("/api/v1/subsidy-policies/{policy_id}/tier-for", {"policy_id": w.ids["published_id"]}),
        params={"headcount": 60},
    ),
    ("PUT", "/api/v1/subsidy-budgets/{year}/{subsidy_type}"): lambda w: Call(
        "/api/v1/subsidy-budgets/2099/hiring", json={"amount": "1000.00"}
    ),
    ("POST", "/api/v1/subsidy-evaluations"): lambda w: Call("/api/v1/subsidy-evaluations", json={"year": YEAR}),
    ("POST", "/api/v1/subsidy-what-ifs"): lambda w: Call(
        "/api/v1/subsidy-what-ifs", json={"year": YEAR, "rules": RULES}
    ),
    ("POST", "/api/v1/subsidy-applications"): lambda w: Call(
        "/api/v1/subsidy-applications", json={"decision_id": w.ids["tax_decision_id"]}
    ),
    ("POST", "/api/v1/subsidy-applications/{application_id}/steps"): lambda w: Call(
        fill_path("/api/v1/subsidy-applications/{application_id}/steps", w.ids), json={"action": "township_approve"}
    ),
    ("GET", "/api/v1/subsidy-totals"): lambda w: Call("/api/v1/subsidy-totals", params={"year": YEAR}),
    **webhooks.requests(WEBHOOKS, "finance", "subsidy_decision.made"),
}
