"""What-if: a draft policy against a year's current evidence, beside the published one and the budget, storing
nothing; placement down is 503 and slow 504."""

from sqlalchemy import func, select, text

from subsidy.decisions.models import SubsidyDecision
from subsidy.policies.models import SubsidyPolicy
from tests.subsidy.conftest import NOTICE_TIERS, POLICIES, PROBLEM, policy_body, publish, set_budget
from tests.subsidy.fakes import contract, employer

YEAR = 2013
WHAT_IF = "/api/v1/subsidy-what-ifs"
DRAFT_TIERS = [
    {"min_headcount": 1, "max_headcount": 39, "amount": "10000.00"},
    {"min_headcount": 40, "max_headcount": 99, "amount": "25000.00"},
    {"min_headcount": 100, "max_headcount": None, "amount": "30000.00"},
]


def people(n: int, start="2013-01-01", end="2013-12-31") -> list[dict]:
    return [contract(start, end, year=YEAR) for _ in range(n)]


async def stored(env) -> tuple[int, int, int]:
    decisions = await env.session.scalar(select(func.count()).select_from(SubsidyDecision))
    policies = await env.session.scalar(select(func.count()).select_from(SubsidyPolicy))
    events = await env.session.scalar(text("SELECT count(*) FROM outbox_event"))
    return decisions, policies, events


async def test_a_draft_beside_the_published_policy_and_the_budget(env, auth, fake_placement):
    nco, finance = auth(department="nco"), auth(department="finance")
    await publish(env.client, nco)
    draft = await env.client.post(
        POLICIES,
        json=policy_body(rules=[{"type": "enterprise_placement", "tiers": DRAFT_TIERS, "minimum_contract_months": 11}]),
        headers=nco,
    )
    assert draft.status_code == 201
    forty_five = employer(people(44) + people(1, end="2013-11-30"))  # 44 (published) or 45 people (draft: 11 months)
    small = employer(people(3))
    unchanged = employer(people(120))
    fake_placement.employers[YEAR] = [forty_five, small, unchanged]
    await set_budget(env.client, finance, YEAR, "enterprise_placement", "60000.00")
    before = await stored(env)

    response = await env.client.post(WHAT_IF, json={"year": YEAR, "policy_id": draft.json()["id"]}, headers=finance)

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["stored"], body["draft_policy_version"], body["published_policy_version"]) == (False, 2, 1)
    lines = {line["beneficiary_id"]: line for line in body["lines"]}
    moved = lines[forty_five["employer_id"]]
    assert moved["published"] == {"qualifying_count": 44, "tier": "1-49", "amount": "10000.00", "eligible": True}
    assert moved["draft"] == {"qualifying_count": 45, "tier": "40-99", "amount": "25000.00", "eligible": True}
    assert moved["difference"] == "15000.00"
    assert lines[small["employer_id"]]["difference"] == "0.00"
    (total,) = body["totals"]
    assert total == {
        "subsidy_type": "enterprise_placement",
        "beneficiaries": 3,
        "published_amount": "50000.00",
        "draft_amount": "65000.00",
        "difference": "15000.00",
        "budget": "60000.00",
        "budget_committed": "0.00",
        "draft_over_budget": True,
        "draft_budget_left": "-5000.00",
    }
    assert (body["draft_total"], body["published_total"]) == ("65000.00", "50000.00")
    assert await stored(env) == before


async def test_inline_rules_without_a_published_policy_or_a_budget(env, auth, fake_placement):
    fake_placement.employers[YEAR] = [employer(people(2))]
    response = await env.client.post(
        WHAT_IF,
        json={"year": YEAR, "rules": [{"type": "enterprise_placement", "tiers": NOTICE_TIERS}]},
        headers=auth(department="human_resources"),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["published_policy_id"] is None
    assert body["lines"][0]["published"] is None and body["lines"][0]["difference"] == "10000.00"
    assert body["totals"][0]["budget"] is None and body["totals"][0]["draft_over_budget"] is None


async def test_bad_what_ifs_are_refused(env, auth):
    nco = auth(department="nco")
    for payload, status, code in (
        ({"year": YEAR}, 422, "validation_error"),
        ({"year": YEAR, "policy_id": "00000000-0000-4000-8000-000000000000"}, 404, "policy_not_found"),
        (
            {"year": YEAR, "rules": [{"type": "enterprise_placement", "tiers": [
                {"min_headcount": 2, "max_headcount": None, "amount": "1.00"}]}]},
            422,
            "invalid_rules",
        ),
        ({"year": YEAR, "rules": [{"type": "post", "monthly_amount": "1.005"}]}, 422, "validation_error"),
    ):  # fmt: skip
        response = await env.client.post(WHAT_IF, json=payload, headers=nco)
        assert (response.status_code, response.json()["code"]) == (status, code), response.text
        assert response.headers["content-type"] == PROBLEM
    township = await env.client.post(
        WHAT_IF,
        json={"year": YEAR, "rules": [{"type": "tax_reduction"}]},
        headers=auth(department="township", jurisdiction="dapu"),
    )
    assert (township.status_code, township.json()["code"]) == (403, "no_evaluation_access")


async def test_placement_down_is_503_and_slow_is_504(env, auth, fake_placement):
    nco = auth(department="nco")
    body = {"year": YEAR, "rules": [{"type": "enterprise_placement", "tiers": NOTICE_TIERS}]}
    fake_placement.employers[YEAR] = [employer(people(1))]
    for mode, status, code in (("down", 503, "placement_unavailable"), ("slow", 504, "placement_timeout")):
        fake_placement.mode = mode
        response = await env.client.post(WHAT_IF, json=body, headers=nco)
        assert (response.status_code, response.json()["code"]) == (status, code)
        assert response.headers["content-type"] == PROBLEM
    fake_placement.mode = "up"
    assert (await env.client.post(WHAT_IF, json=body, headers=nco)).status_code == 200
