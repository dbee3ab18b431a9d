"""Evaluating a year as a background job: evidence fetched from placement page by page with progress, decisions with
frozen evidence, re-evaluation writing new versions only where the evidence changed (with the difference), and
placement down or slow leaving a failed job and no decision at all."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text, update

from subsidy.decisions.models import SubsidyDecision
from subsidy.evaluations.models import SubsidyEvaluation
from tests.subsidy.conftest import DECISIONS, EVALUATIONS, PROBLEM, decisions_of, evaluate, publish
from tests.subsidy.fakes import contract, employer

YEAR = 2013


def full_year(n: int, **fields) -> list[dict]:
    return [contract("2013-01-01", "2013-12-31", year=YEAR, **fields) for _ in range(n)]


async def count_decisions(env) -> int:
    return await env.session.scalar(select(func.count()).select_from(SubsidyDecision))


@pytest.fixture
def nco(auth):
    return auth(department="nco")


async def test_a_year_is_evaluated_page_by_page_into_decisions_with_frozen_evidence(env, nco, fake_placement):
    policy = await publish(env.client, nco)
    employers = [employer(full_year(n)) for n in (1, 49, 50, 100)]
    not_designated = employer(full_year(5), qihang_days=0)
    fake_placement.employers[YEAR] = [*employers, not_designated]
    env.evaluator.client.page_size = 2

    job = await evaluate(env, nco)

    assert (job["status"], job["status_label_zh"], job["phase"]) == ("succeeded", "已完成", "done")
    assert (job["total_employers"], job["fetched_employers"], job["beneficiaries"]) == (5, 5, 5)
    assert (job["decisions_written"], job["unchanged"], job["error"]) == (4, 0, None)
    assert job["summary"]["enterprise_placement"] == {
        "evaluated": 5,
        "new": 4,
        "changed": 0,
        "unchanged": 0,
        "not_decided": 1,
        "amount_written": "70000.00",
    }
    assert (job["policy_id"], job["policy_version"], job["subsidy_types"]) == (
        policy["id"],
        1,
        ["enterprise_placement"],
    )
    evidence_calls = [c for c in fake_placement.calls if c.url.path == "/api/v1/subsidy-evidence"]
    assert len(evidence_calls) == 3  # pages of 2 employers
    assert all(c.headers["authorization"].startswith("Bearer ") for c in evidence_calls)

    decided = {d["beneficiary_id"]: d for d in await decisions_of(env.client, nco, year=YEAR)}
    assert {(d["qualifying_count"], d["tier"], d["amount"]) for d in decided.values()} == {
        (1, "1-49", "10000.00"),
        (49, "1-49", "10000.00"),
        (50, "50-99", "20000.00"),
        (100, "100+", "30000.00"),
    }
    assert not_designated["employer_id"] not in decided
    one = decided[employers[0]["employer_id"]]
    assert (one["version"], one["is_current"], one["difference"], one["evaluation_id"]) == (1, True, None, job["id"])
    detail = (await env.client.get(f"{DECISIONS}/{one['id']}", headers=nco)).json()
    counted = detail["evidence"]["counted"]
    assert [c["person_id"] for c in counted] == [employers[0]["contracts"][0]["person_id"]]
    assert set(counted[0]) == {
        "placement_id",
        "person_id",
        "route",
        "start_on",
        "end_on",
        "open_ended",
        "term_months",
        "ended_on",
        "in_force_from",
        "in_force_to",
        "days_in_force_in_year",
        "programme_at_start",
    }  # registry ids and contract facts: no names, no ID numbers, no contract numbers
    assert detail["evidence"]["rule"]["tiers"][0]["amount"] == "10000.00"
    assert detail["evidence"]["source"] == {
        "definition_version": "v2",
        "registry_facts_as_of": "2026-12-06T08:00:00+00:00",
    }
    assert detail["evidence"]["eligibility"]["qihang"]["held_in_year"] is True
    used = (await env.client.get(f"/api/v1/subsidy-policies/{policy['id']}", headers=nco)).json()
    assert used["used_by_decisions"] is True


async def test_re_evaluating_writes_a_new_version_only_where_the_evidence_changed(env, nco, fake_placement):
    await publish(env.client, nco)
    growing = employer(full_year(49))
    steady = employer(full_year(3))
    shrinking = employer(full_year(2))
    fake_placement.employers[YEAR] = [growing, steady, shrinking]
    await evaluate(env, nco)
    before = {d["beneficiary_id"]: d for d in await decisions_of(env.client, nco, year=YEAR)}
    frozen = (await env.client.get(f"{DECISIONS}/{before[growing['employer_id']]['id']}", headers=nco)).json()

    newcomer = contract("2013-03-01", "2014-02-28", year=YEAR)
    leaving = shrinking["contracts"][0]
    growing["contracts"].append(newcomer)
    shrinking["contracts"] = shrinking["contracts"][1:]
    second = await evaluate(env, nco)

    assert (second["decisions_written"], second["unchanged"]) == (2, 1)
    assert second["summary"]["enterprise_placement"]["changed"] == 2
    after = {d["beneficiary_id"]: d for d in await decisions_of(env.client, nco, year=YEAR)}
    assert after[steady["employer_id"]]["id"] == before[steady["employer_id"]]["id"]
    grown = after[growing["employer_id"]]
    assert (grown["version"], grown["qualifying_count"], grown["tier"], grown["amount"]) == (2, 50, "50-99", "20000.00")
    assert grown["difference"] == {
        "from_version": 1,
        "counted_key": "person_id",
        "added": [newcomer["person_id"]],
        "removed": [],
        "qualifying_count": {"before": 49, "after": 50},
        "tier": {"before": "1-49", "after": "50-99"},
        "amount": {"before": "10000.00", "after": "20000.00"},
        "policy_version": {"before": 1, "after": 1},
    }
    assert after[shrinking["employer_id"]]["difference"]["removed"] == [leaving["person_id"]]

    # The first version is kept exactly as it was decided.
    old = (await env.client.get(f"{DECISIONS}/{frozen['id']}", headers=nco)).json()
    assert old == frozen | {"is_current": False}
    versions = (await env.client.get(f"{DECISIONS}/{grown['id']}/versions", headers=nco)).json()
    assert [(v["version"], v["is_current"], v["amount"]) for v in versions] == [
        (1, False, "10000.00"),
        (2, True, "20000.00"),
    ]
    everything = await decisions_of(env.client, nco, year=YEAR, all_versions="true")
    assert len(everything) == 5

    # An employer with no evidence left gets a version of 0.00 saying so.
    fake_placement.employers[YEAR] = [growing, steady]
    third = await evaluate(env, nco)
    assert third["decisions_written"] == 1
    gone = {d["beneficiary_id"]: d for d in await decisions_of(env.client, nco, year=YEAR)}[shrinking["employer_id"]]
    assert (gone["version"], gone["amount"], gone["qualifying_count"]) == (3, "0.00", 0)
    assert gone["jurisdiction_code"] == "dapu"
    detail = (await env.client.get(f"{DECISIONS}/{gone['id']}", headers=nco)).json()
    assert detail["evidence"]["eligibility"]["reasons"] == ["no_evidence_in_year"]
    # The year's totals follow the current versions only.
    totals = (await env.client.get("/api/v1/subsidy-totals", params={"year": YEAR}, headers=nco)).json()
    assert [(t["decisions"], t["paying_decisions"], t["decided_amount"]) for t in totals["by_type"]] == [
        (3, 2, "30000.00")
    ]
    assert (await evaluate(env, nco))["decisions_written"] == 0


async def test_a_new_policy_version_changes_only_the_decisions_it_changes(env, nco, fake_placement):
    await publish(env.client, nco, rules=[
        {"type": "enterprise_placement", "tiers": [
            {"min_headcount": 1, "max_headcount": 49, "amount": "10000.00"},
            {"min_headcount": 50, "max_headcount": None, "amount": "20000.00"},
        ]},
        {"type": "tax_reduction"},
    ])  # fmt: skip
    fake_placement.employers[YEAR] = [employer(full_year(3))]
    first = await evaluate(env, nco)
    assert first["decisions_written"] == 2
    await publish(env.client, nco, rules=[
        {"type": "enterprise_placement", "tiers": [
            {"min_headcount": 1, "max_headcount": 49, "amount": "12000.00"},
            {"min_headcount": 50, "max_headcount": None, "amount": "20000.00"},
        ]},
        {"type": "tax_reduction"},
    ])  # fmt: skip
    second = await evaluate(env, nco)
    assert second["policy_version"] == 2
    assert second["summary"]["enterprise_placement"]["changed"] == 1
    assert second["summary"]["tax_reduction"]["unchanged"] == 1
    (changed,) = await decisions_of(env.client, nco, year=YEAR, subsidy_type="enterprise_placement")
    assert changed["difference"]["policy_version"] == {"before": 1, "after": 2}
    assert changed["difference"]["amount"] == {"before": "10000.00", "after": "12000.00"}
    assert changed["difference"]["added"] == changed["difference"]["removed"] == []


async def test_individual_subsidies_are_decided_per_person(env, nco, fake_placement):
    await publish(
        env.client,
        nco,
        rules=[
            {"type": "self_employment", "amount_per_person": "2000.00"},
            {"type": "post", "monthly_amount": "300.00"},
            {"type": "loan_interest", "cap": "1000.00"},
            {"type": "hiring", "amount_per_person": "800.00"},
            {"type": "social_insurance", "monthly_amount": "100.00"},
        ],
    )
    person = str(uuid.uuid4())
    fake_placement.employers[YEAR] = [
        employer([contract("2013-07-01", "2014-06-30", year=YEAR, person_id=person, route="public_welfare_post")]),
        employer(full_year(2), kind="private_owner", jurisdiction="shapu"),
    ]
    fake_placement.self_employments = [
        {"id": str(uuid.uuid4()), "person_id": person, "jurisdiction_code": "dapu", "business_kind": "shop",
         "start_on": "2013-02-01", "end_on": None, "status": "active"},
    ]  # fmt: skip
    fake_placement.loans[YEAR] = [
        {"loan_id": str(uuid.uuid4()), "self_employment_id": str(uuid.uuid4()), "person_id": person,
         "jurisdiction_code": "dapu", "amount": "50000.00", "annual_rate_percent": "4.3500",
         "disbursed_on": "2013-03-01", "maturity_on": "2015-02-28", "interest_days": 306},
    ]  # fmt: skip

    job = await evaluate(env, nco)

    assert job["status"] == "succeeded", job
    by_type = {}
    for d in await decisions_of(env.client, nco, year=YEAR):
        by_type.setdefault(d["subsidy_type"], []).append(d)
    assert [(d["beneficiary_kind"], d["beneficiary_id"], d["amount"]) for d in by_type["self_employment"]] == [
        ("person", person, "2000.00")
    ]
    assert [(d["qualifying_count"], d["amount"]) for d in by_type["post"]] == [(6, "1800.00")]
    assert [d["amount"] for d in by_type["loan_interest"]] == ["1000.00"]
    assert [(d["jurisdiction_code"], d["amount"]) for d in by_type["hiring"]] == [("shapu", "1600.00")]
    assert sorted(d["amount"] for d in by_type["social_insurance"]) == ["2400.00", "600.00"]
    assert {c.url.path for c in fake_placement.calls} >= {"/api/v1/self-employments", "/api/v1/self-employments/loans"}


async def test_a_list_of_employers_evaluates_only_them_and_only_employer_types(env, nco, fake_placement):
    await publish(env.client, nco, rules=[
        {"type": "enterprise_placement", "tiers": [{"min_headcount": 1, "max_headcount": None, "amount": "100.00"}]},
        {"type": "post", "monthly_amount": "300.00"},
    ])  # fmt: skip
    named, other = employer(full_year(1)), employer(full_year(1))
    fake_placement.employers[YEAR] = [named, other]
    job = await evaluate(env, nco, employer_ids=[named["employer_id"]])
    assert job["subsidy_types"] == ["enterprise_placement"]
    assert job["employer_ids"] == [named["employer_id"]]
    assert [d["beneficiary_id"] for d in await decisions_of(env.client, nco, year=YEAR)] == [named["employer_id"]]
    (call,) = [c for c in fake_placement.calls if c.url.path == "/api/v1/subsidy-evidence"]
    assert call.url.params.get_list("employer_id") == [named["employer_id"]]

    # Evaluating the list again never retires the decisions of employers outside it.
    fake_placement.employers[YEAR] = [other]
    await evaluate(env, nco, employer_ids=[other["employer_id"]])
    assert len(await decisions_of(env.client, nco, year=YEAR)) == 2

    refused = await env.client.post(
        EVALUATIONS,
        json={"year": YEAR, "employer_ids": [named["employer_id"]], "subsidy_types": ["post"]},
        headers=nco,
    )
    assert (refused.status_code, refused.json()["code"]) == (422, "invalid_evaluation")
    assert refused.json()["errors"][0]["field"] == "body.subsidy_types"
    no_rule = await env.client.post(EVALUATIONS, json={"year": YEAR, "subsidy_types": ["hiring"]}, headers=nco)
    assert (no_rule.status_code, no_rule.json()["code"]) == (422, "invalid_evaluation")


@pytest.mark.parametrize(
    ("mode", "fail_after_pages", "code"),
    [
        ("down", None, "placement_unavailable"),
        ("down", 1, "placement_unavailable"),
        ("slow", 1, "placement_timeout"),
        ("error", 1, "placement_unavailable"),
        ("refuse", None, "placement_bad_answer"),
    ],
)
async def test_placement_down_or_slow_fails_the_job_and_writes_no_decision(
    env, nco, fake_placement, mode, fail_after_pages, code
):
    await publish(env.client, nco)
    fake_placement.employers[YEAR] = [employer(full_year(1)) for _ in range(3)]
    env.evaluator.client.page_size = 1
    fake_placement.mode, fake_placement.fail_after_pages = mode, fail_after_pages

    job = await evaluate(env, nco)

    assert (job["status"], job["error_code"]) == ("failed", code)
    assert "No decision of this evaluation was written" in job["error"]
    assert job["decisions_written"] == 0
    assert job["fetched_employers"] == (fail_after_pages or 0)
    assert await count_decisions(env) == 0
    events = await env.session.scalar(text("SELECT count(*) FROM outbox_event"))
    assert events == 0

    # Back up: the same evaluation runs again and decides.
    fake_placement.mode = "up"
    assert (await evaluate(env, nco))["decisions_written"] == 3


async def test_a_failure_while_writing_leaves_nothing_either(env, nco, fake_placement, monkeypatch):
    await publish(env.client, nco)
    fake_placement.employers[YEAR] = [employer(full_year(1)) for _ in range(3)]
    from subsidy.decisions import service as decisions

    real_events = decisions.outbox_rows

    async def broken(*args, **kwargs):
        await real_events(*args, **kwargs)
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(decisions, "outbox_rows", broken)
    job = await evaluate(env, nco)
    assert (job["status"], job["error_code"]) == ("failed", "internal_error")
    assert await count_decisions(env) == 0
    assert await env.session.scalar(text("SELECT count(*) FROM outbox_event")) == 0


async def test_one_evaluation_of_a_year_at_a_time_and_stale_ones_are_interrupted(env, nco, fake_placement, monkeypatch):
    await publish(env.client, nco)

    async def stay_queued(job_id):
        return None

    monkeypatch.setattr(env.evaluator, "launch", stay_queued)
    first = await env.client.post(EVALUATIONS, json={"year": YEAR}, headers=nco)
    assert first.status_code == 202
    second = await env.client.post(EVALUATIONS, json={"year": YEAR}, headers=nco)
    assert (second.status_code, second.json()["code"]) == (409, "evaluation_running")

    # Its process died: once its heartbeat is older than the limit, reading it marks it interrupted.
    await env.session.execute(update(SubsidyEvaluation).values(heartbeat_at=datetime.now(UTC) - timedelta(minutes=10)))
    stale = (await env.client.get(f"{EVALUATIONS}/{first.json()['id']}", headers=nco)).json()
    assert (stale["status"], stale["error_code"]) == ("interrupted", "interrupted")
    assert "no decision of it was written" in stale["error"]
    third = await env.client.post(EVALUATIONS, json={"year": YEAR}, headers=nco)
    assert third.status_code == 202


async def test_an_evaluation_needs_a_published_policy_and_valid_input(env, nco):
    response = await env.client.post(EVALUATIONS, json={"year": YEAR}, headers=nco)
    assert (response.status_code, response.json()["code"]) == (409, "no_published_policy")
    assert response.headers["content-type"] == PROBLEM
    for body, field in (
        ({"year": 2011}, "body.year"),
        ({"year": YEAR, "subsidy_types": ["lottery"]}, "body.subsidy_types.0"),
        ({"year": YEAR, "employer_ids": ["nope"]}, "body.employer_ids.0"),
        ({"year": YEAR, "extra": 1}, "body.extra"),
    ):
        bad = await env.client.post(EVALUATIONS, json=body, headers=nco)
        assert bad.status_code == 422, body
        assert field in [e["field"] for e in bad.json()["errors"]]
    assert (await env.session.scalar(select(func.count()).select_from(SubsidyEvaluation))) == 0


async def test_the_evaluation_list_and_a_retry_with_the_same_key(env, nco, fake_placement):
    await publish(env.client, nco)
    fake_placement.employers[YEAR] = [employer(full_year(1))]
    headers = nco | {"Idempotency-Key": "evaluate-2013-once"}
    first = await env.client.post(EVALUATIONS, json={"year": YEAR}, headers=headers)
    await env.drain()
    retry = await env.client.post(EVALUATIONS, json={"year": YEAR}, headers=headers)
    assert retry.status_code == 202 and retry.headers["idempotent-replayed"] == "true"
    assert retry.json()["id"] == first.json()["id"]
    listed = (await env.client.get(EVALUATIONS, params={"year": YEAR}, headers=nco)).json()["items"]
    assert [j["id"] for j in listed] == [first.json()["id"]]
    assert await count_decisions(env) == 1
