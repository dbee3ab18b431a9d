"""Who may do what, as one matrix: every kind of caller (departments, township staff of the beneficiary's and of
another jurisdiction, the employer's own client and another employer's, the platform's service) against every
endpoint of the subsidy service. `ok` is a 2xx, or a 409 of the domain for a write the caller may attempt; 403 is
refused; 404 is "does not exist for you"."""

import pytest

from tests.subsidy.conftest import apply, evaluate, publish, set_budget
from tests.subsidy.fakes import contract, employer

YEAR = 2013
OK, NO, HIDDEN = "ok", 403, 404
CALLERS = ("nco", "finance", "hr", "dapu", "shapu", "own_employer", "other_employer", "service", "police")


@pytest.fixture
async def world(env, auth, employer_client, service_auth, fake_placement):
    nco = auth(department="nco", sub="matrix-nco")
    await publish(env.client, nco, rules=[
        {"type": "enterprise_placement", "tiers": [{"min_headcount": 1, "max_headcount": None, "amount": "100.00"}]},
    ])  # fmt: skip
    dapu_employer = employer([contract("2013-01-01", "2013-12-31", year=YEAR)])
    shapu_employer = employer([contract("2013-01-01", "2013-12-31", year=YEAR)], jurisdiction="shapu")
    fake_placement.employers[YEAR] = [dapu_employer, shapu_employer]
    await evaluate(env, nco)
    decisions = {
        d["beneficiary_id"]: d for d in (await env.client.get("/api/v1/subsidy-decisions", headers=nco)).json()["items"]
    }
    decision = decisions[dapu_employer["employer_id"]]
    await set_budget(env.client, auth(department="finance"), YEAR, "enterprise_placement", "1000.00")
    application = (
        await apply(env, auth(department="township", jurisdiction="dapu", sub="matrix-clerk"), decision["id"])
    ).json()
    callers = {
        "nco": auth(department="nco"),
        "finance": auth(department="finance"),
        "hr": auth(department="human_resources"),
        "dapu": auth(department="township", jurisdiction="dapu"),
        "shapu": auth(department="township", jurisdiction="shapu"),
        "own_employer": employer_client(dapu_employer["employer_id"]),
        "other_employer": employer_client(shapu_employer["employer_id"]),
        "service": service_auth(),
        "police": auth(department="police"),
    }
    return {"decision": decision, "application": application, "callers": callers}


def row(ok=(), no=(), hidden=()):
    expected = {c: OK for c in ok} | {c: NO for c in no} | {c: HIDDEN for c in hidden}
    assert set(expected) == set(CALLERS), sorted(set(CALLERS) - set(expected))
    return expected


READERS_OF_DECISIONS = ("nco", "finance", "hr", "service")
MATRIX = [
    ("GET", "/api/v1/subsidy-policies", None, row(ok=CALLERS)),
    ("GET", "/api/v1/subsidy-types", None, row(ok=CALLERS)),
    (
        "POST",
        "/api/v1/subsidy-policies",
        {
            "year": 2020,
            "title": "t",
            "effective_from": "2020-01-01",
            "effective_to": "2020-12-31",
            "rules": [{"type": "tax_reduction"}],
        },
        row(ok=("nco", "finance"), no=("hr", "dapu", "shapu", "own_employer", "other_employer", "service", "police")),
    ),
    (
        "GET",
        "/api/v1/subsidy-budgets",
        None,
        row(ok=("nco", "finance", "hr", "dapu", "shapu", "service"), no=("own_employer", "other_employer", "police")),
    ),
    (
        "PUT",
        "/api/v1/subsidy-budgets/2020/hiring",
        {"amount": "1.00"},
        row(ok=("finance",), no=("nco", "hr", "dapu", "shapu", "own_employer", "other_employer", "service", "police")),
    ),
    (
        "GET",
        "/api/v1/subsidy-evaluations",
        None,
        row(ok=("nco", "finance", "hr"), no=("dapu", "shapu", "own_employer", "other_employer", "service", "police")),
    ),
    (
        "POST",
        "/api/v1/subsidy-evaluations",
        {"year": 2020},
        row(ok=("nco", "finance"), no=("hr", "dapu", "shapu", "own_employer", "other_employer", "service", "police")),
    ),
    (
        "POST",
        "/api/v1/subsidy-what-ifs",
        {"year": 2020, "rules": [{"type": "tax_reduction"}]},
        row(ok=("nco", "finance", "hr"), no=("dapu", "shapu", "own_employer", "other_employer", "service", "police")),
    ),
    (
        "GET",
        "/api/v1/subsidy-decisions/{decision}",
        None,
        row(ok=(*READERS_OF_DECISIONS, "dapu", "own_employer"), no=("police",), hidden=("shapu", "other_employer")),
    ),
    (
        "GET",
        "/api/v1/subsidy-decisions",
        None,
        row(ok=(*READERS_OF_DECISIONS, "dapu", "shapu", "own_employer", "other_employer"), no=("police",)),
    ),
    (
        "GET",
        "/api/v1/subsidy-decisions/export",
        None,
        row(ok=(*READERS_OF_DECISIONS, "dapu", "shapu", "own_employer", "other_employer"), no=("police",)),
    ),
    (
        "GET",
        "/api/v1/subsidy-applications/{application}",
        None,
        row(ok=(*READERS_OF_DECISIONS, "dapu", "own_employer"), no=("police",), hidden=("shapu", "other_employer")),
    ),
    (
        "POST",
        "/api/v1/subsidy-applications",
        {"decision_id": "{decision}"},
        row(
            ok=("dapu", "own_employer"),
            no=("nco", "finance", "hr", "service", "police"),
            hidden=("shapu", "other_employer"),
        ),
    ),
    (
        "POST",
        "/api/v1/subsidy-applications/{application}/steps",
        {"action": "township_approve"},
        row(
            ok=("dapu",),
            no=("nco", "finance", "own_employer", "hr", "service", "police"),
            hidden=("shapu", "other_employer"),
        ),
    ),
    (
        "GET",
        "/api/v1/subsidy-totals?year=2013",
        None,
        row(ok=(*READERS_OF_DECISIONS, "dapu", "shapu"), no=("own_employer", "other_employer", "police")),
    ),
    (
        "GET",
        "/api/v1/subsidy-events",
        None,
        row(ok=READERS_OF_DECISIONS, no=("dapu", "shapu", "own_employer", "other_employer", "police")),
    ),
]


def fill(value, world):
    if isinstance(value, str):
        return value.replace("{decision}", world["decision"]["id"]).replace("{application}", world["application"]["id"])
    if isinstance(value, dict):
        return {k: fill(v, world) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, world) for v in value]
    return value


@pytest.mark.parametrize(("method", "path", "body", "expected"), MATRIX, ids=[f"{m} {p}" for m, p, _, _ in MATRIX])
async def test_the_access_matrix(env, world, method, path, body, expected):
    url = fill(path, world)
    results = {}
    for caller in CALLERS:
        response = await env.client.request(method, url, json=fill(body, world), headers=world["callers"][caller])
        status = response.status_code
        if status < 300 or (status == 409 and method != "GET"):
            results[caller] = OK
        else:
            results[caller] = status
        await env.drain()
    assert results == expected
