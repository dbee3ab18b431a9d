"""A year's enterprise subsidy across the real processes, through the gateway: the NCO designates a Qihang enterprise,
the township registers three people in community rehabilitation and places them on one-year contracts, placement
learns of their measures from the registry's feed; the NCO publishes a policy and finance a budget; an evaluation
(the subsidy service's own client calling placement's batch evidence through the gateway) decides the amount; the
township applies, a second township officer, the NCO and finance approve, a second finance officer records the
payment. With placement stopped, an evaluation fails and a what-if is 503, and nothing is written."""

import uuid
from datetime import date

import httpx
import pytest

from tests.e2e.conftest import call as e2e_call
from tests.e2e.conftest import new_employer, wait_until
from tests.e2e.steps import id_number, new_user, placement_body, register_person

pytestmark = pytest.mark.e2e

YEAR = date.today().year
TIERS = [
    {"min_headcount": 1, "max_headcount": 49, "amount": "10000.00"},
    {"min_headcount": 50, "max_headcount": 99, "amount": "20000.00"},
    {"min_headcount": 100, "max_headcount": None, "amount": "30000.00"},
]


def call(system, method: str, path: str, headers: dict, **kwargs) -> httpx.Response:
    return e2e_call(system, method, path, headers, timeout=30, **kwargs)


@pytest.fixture(scope="module")
def people(system, admin_token) -> dict[str, dict[str, str]]:
    return {
        "nco": new_user(system, admin_token, "nco", "nco"),
        "clerk": new_user(system, admin_token, "clerk", "township", "dapu"),
        "reviewer": new_user(system, admin_token, "reviewer", "township", "dapu"),
        "approver": new_user(system, admin_token, "approver", "finance"),
        "cashier": new_user(system, admin_token, "cashier", "finance"),
    }


def person_in_rehabilitation(system, clerk, seq: int) -> str:
    # On the register since before the contract starts: placement checks the person on the start date.
    since = f"{YEAR - 1}-06-01"
    rehabilitation = {"kind": "community_rehabilitation", "start_on": since}
    return register_person(system, clerk, id_number(seq), since, measures=(rehabilitation,))


def contract_for(person_id: str, employer_id: str) -> dict:
    number = f"PXY-{uuid.uuid4().hex[:8]}"
    return placement_body(person_id, employer_id, number, date(YEAR, 1, 5), end=date(YEAR + 1, 1, 4))


def evaluate(system, nco) -> dict:
    started = call(system, "POST", "/api/v1/subsidy-evaluations", nco, json={"year": YEAR})
    assert started.status_code == 202, started.text
    location = started.headers["location"]
    finished: dict = {}

    def done() -> bool:
        job = call(system, "GET", location, nco).json()
        finished.update(job)
        return job["status"] not in ("queued", "running")

    wait_until(done, "the evaluation did not finish", system.logs["subsidy"], timeout=60)
    return finished


def test_designate_place_evaluate_apply_review_approve_pay_and_placement_stopped(system, people):
    nco, clerk = people["nco"], people["clerk"]
    employer_id = new_employer(system, clerk, "柳城县鹏鑫源茧丝绸公司", "dapu")
    designated = call(
        system,
        "POST",
        f"/api/v1/employers/{employer_id}/designations",
        nco,
        json={"action": "designate", "effective_on": str(date(YEAR, 1, 2)), "document_number": "柳城政办〔2012〕84号"},
    )
    assert designated.status_code == 201, designated.text
    for seq in (501, 502, 503):
        person_id = person_in_rehabilitation(system, clerk, seq)
        placed = call(system, "POST", "/api/v1/placements", clerk, json=contract_for(person_id, employer_id))
        assert placed.status_code == 201, placed.text

    evidence_url = f"/api/v1/employers/{employer_id}/subsidy-evidence"
    wait_until(
        lambda: call(system, "GET", evidence_url, nco, params={"year": YEAR}).json()["headcount"] == 3,
        "placement did not learn the people's measures from the registry's feed",
        system.logs["placement"],
        timeout=30,
    )

    policy = call(
        system,
        "POST",
        "/api/v1/subsidy-policies",
        nco,
        json={
            "year": YEAR,
            "title": f"{YEAR}年度“启航工程”企业安置经费补助标准",
            "effective_from": f"{YEAR}-01-01",
            "effective_to": f"{YEAR}-12-31",
            "rules": [{"type": "enterprise_placement", "tiers": TIERS}],
        },
    )
    assert policy.status_code == 201, policy.text
    assert call(system, "POST", f"/api/v1/subsidy-policies/{policy.json()['id']}/publish", nco).status_code == 200
    budget = call(
        system,
        "PUT",
        f"/api/v1/subsidy-budgets/{YEAR}/enterprise_placement",
        people["approver"],
        json={"amount": "50000.00"},
    )
    assert budget.status_code == 201, budget.text

    job = evaluate(system, nco)
    # Every employer in the county is asked for (the system is shared with the other e2e tests, which registered
    # employers of their own); only this one has qualifying contracts, so only it gets a decision.
    assert (job["status"], job["decisions_written"]) == ("succeeded", 1), job
    assert job["fetched_employers"] >= 1, job
    decisions = call(system, "GET", "/api/v1/subsidy-decisions", clerk, params={"year": YEAR}).json()["items"]
    assert [(d["beneficiary_id"], d["qualifying_count"], d["tier"], d["amount"]) for d in decisions] == [
        (employer_id, 3, "1-49", "10000.00")
    ]
    decision = call(system, "GET", f"/api/v1/subsidy-decisions/{decisions[0]['id']}", clerk).json()
    assert len(decision["evidence"]["counted"]) == 3
    assert all(c["programme_at_start"] == "community_rehabilitation" for c in decision["evidence"]["counted"])

    applied = call(system, "POST", "/api/v1/subsidy-applications", clerk, json={"decision_id": decision["id"]})
    assert applied.status_code == 201, applied.text
    steps_url = f"/api/v1/subsidy-applications/{applied.json()['id']}/steps"
    own_review = call(system, "POST", steps_url, clerk, json={"action": "township_approve"})
    assert (own_review.status_code, own_review.json()["code"]) == (403, "separation_of_duties")
    early = call(system, "POST", steps_url, people["approver"], json={"action": "finance_approve"})
    assert (early.status_code, early.json()["code"]) == (409, "step_not_allowed")
    for who, action in (("reviewer", "township_approve"), ("nco", "nco_approve"), ("approver", "finance_approve")):
        response = call(system, "POST", steps_url, people[who], json={"action": action})
        assert response.status_code == 200, response.text
    payment = {"amount": "10000.00", "paid_on": str(date.today()), "voucher_number": "柳财拨〔2026〕0001号"}
    key = {"Idempotency-Key": f"pay-{applied.json()['id']}"}
    paid = call(
        system, "POST", steps_url, people["cashier"] | key, json={"action": "record_payment", "payment": payment}
    )
    again = call(
        system, "POST", steps_url, people["cashier"] | key, json={"action": "record_payment", "payment": payment}
    )
    assert paid.status_code == again.status_code == 200, paid.text
    assert paid.json()["status"] == "paid" and again.headers["idempotent-replayed"] == "true"
    totals = call(system, "GET", "/api/v1/subsidy-totals", people["approver"], params={"year": YEAR}).json()
    (by_type,) = totals["by_type"]
    assert (by_type["budget_used"], by_type["budget_paid"], by_type["budget_left"]) == (
        "10000.00",
        "10000.00",
        "40000.00",
    )

    # Placement stopped: the evaluation fails, the what-if is 503, and nothing is written.
    before = call(system, "GET", "/api/v1/subsidy-decisions", nco, params={"year": YEAR, "all_versions": "true"}).json()
    system.stop("placement")
    try:
        what_if = call(
            system,
            "POST",
            "/api/v1/subsidy-what-ifs",
            nco,
            json={"year": YEAR, "rules": [{"type": "enterprise_placement", "tiers": TIERS}]},
        )
        failed = evaluate(system, nco)
    finally:
        system.start("placement")
    assert what_if.status_code == 503, what_if.text
    assert what_if.headers["content-type"] == "application/problem+json"
    assert what_if.json()["code"] == "placement_unavailable"
    assert (failed["status"], failed["error_code"], failed["decisions_written"]) == (
        "failed",
        "placement_unavailable",
        0,
    )
    after = call(system, "GET", "/api/v1/subsidy-decisions", nco, params={"year": YEAR, "all_versions": "true"}).json()
    assert after["items"] == before["items"]
    assert evaluate(system, nco)["status"] == "succeeded"
