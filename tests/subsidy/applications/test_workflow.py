"""An application's way from the township through the NCO and finance to the recorded payment, by the declared table:
steps out of order refused naming the allowed ones, separation of duties, reasons, the budget, a superseded decision,
the employer applying for itself, and nothing written by a refused step."""

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import text

from subsidy.applications.workflow import TABLE, TRANSITIONS, allowed_actions
from tests.subsidy.conftest import (
    APPLICATIONS,
    BUDGETS,
    PROBLEM,
    apply,
    decisions_of,
    evaluate,
    payment,
    publish,
    set_budget,
    step,
)
from tests.subsidy.fakes import contract, employer

YEAR = 2013


def people(n: int) -> list[dict]:
    return [contract("2013-01-01", "2013-12-31", year=YEAR) for _ in range(n)]


@pytest.fixture
async def decided(env, staff, fake_placement):
    """Three Qihang enterprises in Dapu decided for 2013 (10000.00 each), a budget of 25000.00."""
    await publish(env.client, staff["nco"], rules=[
        {"type": "enterprise_placement", "tiers": [{"min_headcount": 1, "max_headcount": None, "amount": "10000.00"}]},
        {"type": "tax_reduction"},
    ])  # fmt: skip
    fake_placement.employers[YEAR] = [employer(people(2)) for _ in range(3)]
    await evaluate(env, staff["nco"])
    await set_budget(env.client, staff["approver"], YEAR, "enterprise_placement", "25000.00")
    return [d for d in await decisions_of(env.client, staff["nco"], year=YEAR, subsidy_type="enterprise_placement")]


async def budget(env, headers) -> dict:
    return (await env.client.get(f"{BUDGETS}/{YEAR}/enterprise_placement", headers=headers)).json()


def test_the_table_is_the_only_way_and_every_status_is_reachable():
    assert allowed_actions("submitted") == ["township_approve", "return", "reject", "withdraw"]
    assert allowed_actions("approved") == ["record_payment"]
    assert allowed_actions("paid") == allowed_actions("rejected") == allowed_actions("withdrawn") == []
    assert len(TRANSITIONS) == len(TABLE)
    reached = {"submitted"} | {s.after for s in TABLE}
    assert reached == {
        "submitted",
        "township_reviewed",
        "nco_reviewed",
        "approved",
        "paid",
        "returned",
        "rejected",
        "withdrawn",
    }


async def test_township_nco_finance_then_payment(env, staff, decided):
    decision = decided[0]
    created = await apply(env, staff["clerk"], decision["id"], notes="附花名册")
    assert created.status_code == 201, created.text
    app = created.json()
    assert (app["status"], app["status_label_zh"], app["amount"]) == ("submitted", "已提交，待乡镇审核", "10000.00")
    assert app["allowed_actions"] == ["township_approve", "return", "reject", "withdraw"]
    assert created.headers["location"] == f"{APPLICATIONS}/{app['id']}"

    for who, action, status in (
        ("reviewer", "township_approve", "township_reviewed"),
        ("nco", "nco_approve", "nco_reviewed"),
        ("approver", "finance_approve", "approved"),
    ):
        response = await step(env, staff[who], app["id"], action)
        assert response.status_code == 200, response.text
        assert response.json()["status"] == status
    assert (await budget(env, staff["nco"]))["committed"] == "10000.00"
    paid = await step(env, staff["cashier"], app["id"], "record_payment", payment=payment())
    assert paid.status_code == 200, paid.text
    body = paid.json()
    assert (body["status"], body["allowed_actions"]) == ("paid", [])
    assert body["payment"]["amount"] == "10000.00" and body["payment"]["voucher_number"] == "柳财拨〔2014〕0315号"
    assert [(s["action"], s["duty"], s["status_after"]) for s in body["steps"]] == [
        ("submit", "applicant", "submitted"),
        ("township_approve", "township_review", "township_reviewed"),
        ("nco_approve", "nco_review", "nco_reviewed"),
        ("finance_approve", "finance_approval", "approved"),
        ("record_payment", "payment", "paid"),
    ]
    money = await budget(env, staff["nco"])
    assert (money["amount"], money["committed"], money["paid"], money["left"]) == (
        "25000.00",
        "10000.00",
        "10000.00",
        "15000.00",
    )
    kinds = (
        (
            await env.session.execute(
                text("SELECT kind FROM outbox_event WHERE aggregate_type <> 'subsidy_decision' ORDER BY id")
            )
        )
        .scalars()
        .all()
    )
    assert kinds == [
        "subsidy_application.submitted",
        "subsidy_application.township_reviewed",
        "subsidy_application.nco_reviewed",
        "subsidy_application.approved",
        "subsidy_payment.recorded",
    ]
    audited = (
        (
            await env.session.execute(
                text(
                    "SELECT operation FROM audit_log WHERE operation LIKE 'subsidy_application.%' "
                    "AND CAST(:app AS uuid) = ANY(resource_ids) ORDER BY id"
                ),
                {"app": app["id"]},
            )
        )
        .scalars()
        .all()
    )
    places = (
        (
            await env.session.execute(
                text("SELECT DISTINCT jurisdictions FROM audit_log WHERE CAST(:app AS uuid) = ANY(resource_ids)"),
                {"app": app["id"]},
            )
        )
        .scalars()
        .all()
    )
    assert places == [["dapu"]]  # a Dapu auditor reads them, a Shapu one does not
    assert audited == [
        "subsidy_application.create",
        "subsidy_application.township_approve",
        "subsidy_application.nco_approve",
        "subsidy_application.finance_approve",
        "subsidy_application.record_payment",
    ]


async def test_a_step_out_of_order_is_409_naming_the_allowed_ones_and_changes_nothing(env, staff, decided):
    app = (await apply(env, staff["clerk"], decided[0]["id"])).json()
    early = await step(env, staff["approver"], app["id"], "finance_approve")
    assert early.status_code == 409 and early.headers["content-type"] == PROBLEM
    assert early.json()["code"] == "step_not_allowed"
    assert "township_approve, return, reject, withdraw" in early.json()["detail"]
    not_yours = await step(env, staff["nco"], app["id"], "township_approve")
    assert (not_yours.status_code, not_yours.json()["code"]) == (403, "not_your_step")
    unknown = await step(env, staff["reviewer"], app["id"], "approve_everything")
    assert unknown.status_code == 422
    stray = await step(env, staff["reviewer"], app["id"], "township_approve", payment=payment())
    assert (stray.status_code, stray.json()["errors"][0]["field"]) == (422, "body.payment")
    again = (await env.client.get(f"{APPLICATIONS}/{app['id']}", headers=staff["nco"])).json()
    assert (again["status"], len(again["steps"]), again["row_version"]) == ("submitted", 1, app["row_version"])


async def test_separation_of_duties(env, staff, decided, auth):
    app = (await apply(env, staff["clerk"], decided[0]["id"])).json()
    own = await step(env, staff["clerk"], app["id"], "township_approve")
    assert (own.status_code, own.json()["code"]) == (403, "separation_of_duties")
    assert "the applicant" in own.json()["detail"]
    await step(env, staff["reviewer"], app["id"], "township_approve")
    await step(env, staff["nco"], app["id"], "nco_approve")
    # The township reviewer, moved to finance since (same person, same subject), may not approve what they reviewed.
    moved = auth(
        department="finance",
        sub=(await env.client.get(f"{APPLICATIONS}/{app['id']}", headers=staff["nco"])).json()["steps"][1][
            "actor_subject"
        ],
    )
    refused = await step(env, moved, app["id"], "finance_approve")
    assert (refused.status_code, refused.json()["code"]) == (403, "separation_of_duties")
    assert (await budget(env, staff["nco"]))["committed"] == "0.00"
    await step(env, staff["approver"], app["id"], "finance_approve")
    self_paid = await step(env, staff["approver"], app["id"], "record_payment", payment=payment())
    assert (self_paid.status_code, self_paid.json()["code"]) == (403, "separation_of_duties")
    assert (await env.client.get(f"{APPLICATIONS}/{app['id']}", headers=staff["nco"])).json()["payment"] is None


async def test_return_resubmit_reject_and_withdraw(env, staff, decided):
    app = (await apply(env, staff["clerk"], decided[0]["id"])).json()
    no_reason = await step(env, staff["reviewer"], app["id"], "return")
    assert (no_reason.status_code, no_reason.json()["code"]) == (422, "invalid_step")
    assert no_reason.json()["errors"] == [{"field": "body.reason", "message": "required to return"}]
    returned = await step(env, staff["reviewer"], app["id"], "return", reason="劳动合同复印件不清晰")
    assert returned.json()["status"] == "returned"
    assert returned.json()["allowed_actions"] == ["resubmit", "withdraw"]
    resubmitted = await step(env, staff["clerk"], app["id"], "resubmit")
    assert resubmitted.json()["status"] == "submitted"
    # The same reviewer reviews the corrected application: the same duty, not a second one.
    assert (await step(env, staff["reviewer"], app["id"], "township_approve")).status_code == 200
    rejected = await step(env, staff["nco"], app["id"], "reject", reason="不符合条件")
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["steps"][-1]["reason"] == "不符合条件"
    final = await step(env, staff["clerk"], app["id"], "withdraw")
    assert (final.status_code, final.json()["code"]) == (409, "step_not_allowed")
    assert "none (it is final)" in final.json()["detail"]

    # A rejected application is no longer in progress: the township may apply again, then withdraw.
    second = await apply(env, staff["clerk"], decided[0]["id"])
    assert second.status_code == 201
    withdrawn = await step(env, staff["clerk"], second.json()["id"], "withdraw")
    assert withdrawn.json()["status"] == "withdrawn"


async def test_one_application_at_a_time_and_only_for_something(env, staff, decided, fake_placement):
    first = await apply(env, staff["clerk"], decided[0]["id"])
    assert first.status_code == 201
    again = await apply(env, staff["reviewer"], decided[0]["id"])
    assert (again.status_code, again.json()["code"]) == (409, "already_applied")
    missing = await apply(env, staff["clerk"], str(uuid.uuid4()))
    assert (missing.status_code, missing.json()["code"]) == (404, "decision_not_found")
    elsewhere = await apply(env, staff["shapu"], decided[1]["id"])
    assert (elsewhere.status_code, elsewhere.json()["code"]) == (404, "decision_not_found")
    not_applicant = await apply(env, staff["nco"], decided[1]["id"])
    assert (not_applicant.status_code, not_applicant.json()["code"]) == (403, "no_application_access")
    extra = await env.client.post(
        APPLICATIONS, json={"decision_id": decided[1]["id"], "amount": "99999.00"}, headers=staff["clerk"]
    )
    assert extra.status_code == 422 and extra.json()["errors"][0]["field"] == "body.amount"
    listed = (await env.client.get(APPLICATIONS, headers=staff["nco"])).json()["items"]
    assert len(listed) == 1


async def test_the_budget_holds_and_a_refused_approval_writes_nothing(env, staff, decided):
    apps = []
    for decision in decided:
        app = (await apply(env, staff["clerk"], decision["id"])).json()
        await step(env, staff["reviewer"], app["id"], "township_approve")
        await step(env, staff["nco"], app["id"], "nco_approve")
        apps.append(app)
    assert (await step(env, staff["approver"], apps[0]["id"], "finance_approve")).status_code == 200
    assert (await step(env, staff["approver"], apps[1]["id"], "finance_approve")).status_code == 200
    over = await step(env, staff["approver"], apps[2]["id"], "finance_approve")
    assert (over.status_code, over.json()["code"]) == (409, "budget_exceeded")
    assert "25000.00, of which 20000.00 is committed and 5000.00 left" in over.json()["detail"]
    third = (await env.client.get(f"{APPLICATIONS}/{apps[2]['id']}", headers=staff["nco"])).json()
    assert (third["status"], len(third["steps"])) == ("nco_reviewed", 3)
    assert (await budget(env, staff["nco"]))["committed"] == "20000.00"

    lower = await env.client.put(
        f"{BUDGETS}/{YEAR}/enterprise_placement",
        json={"amount": "15000.00"},
        headers=staff["approver"] | {"If-Match": "*"},
    )
    assert (lower.status_code, lower.json()["code"]) == (409, "budget_below_committed")
    await set_budget(env.client, staff["approver"], YEAR, "enterprise_placement", "30000.00")
    assert (await step(env, staff["approver"], apps[2]["id"], "finance_approve")).status_code == 200


async def test_no_budget_no_approval(env, staff, decided):
    await env.session.execute(text("DELETE FROM subsidy_budget"))
    app = (await apply(env, staff["clerk"], decided[0]["id"])).json()
    await step(env, staff["reviewer"], app["id"], "township_approve")
    await step(env, staff["nco"], app["id"], "nco_approve")
    refused = await step(env, staff["approver"], app["id"], "finance_approve")
    assert (refused.status_code, refused.json()["code"]) == (409, "no_budget")


async def test_paying_checks_the_amount_and_never_pays_twice(env, staff, decided):
    app = (await apply(env, staff["clerk"], decided[0]["id"])).json()
    for who, action in (("reviewer", "township_approve"), ("nco", "nco_approve"), ("approver", "finance_approve")):
        await step(env, staff[who], app["id"], action)
    wrong = await step(env, staff["cashier"], app["id"], "record_payment", payment=payment("9999.99"))
    assert (wrong.status_code, wrong.json()["errors"][0]["field"]) == (422, "body.payment.amount")
    tomorrow = str(date.today() + timedelta(days=1))
    future = await step(env, staff["cashier"], app["id"], "record_payment", payment=payment(paid_on=tomorrow))
    assert future.status_code == 422
    over_precise = await step(env, staff["cashier"], app["id"], "record_payment", payment=payment("10000.001"))
    assert over_precise.status_code == 422
    missing = await step(env, staff["cashier"], app["id"], "record_payment")
    assert missing.json()["errors"][0]["field"] == "body.payment"
    assert (await env.session.scalar(text("SELECT count(*) FROM subsidy_payment"))) == 0

    key = {"Idempotency-Key": "pay-once-2014-0315"}
    first = await step(env, staff["cashier"] | key, app["id"], "record_payment", payment=payment())
    retry = await step(env, staff["cashier"] | key, app["id"], "record_payment", payment=payment())
    assert first.status_code == retry.status_code == 200
    assert retry.headers["idempotent-replayed"] == "true" and retry.json() == first.json()
    twice = await step(env, staff["cashier"], app["id"], "record_payment", payment=payment())
    assert (twice.status_code, twice.json()["code"]) == (409, "step_not_allowed")
    assert (await env.session.scalar(text("SELECT count(*) FROM subsidy_payment"))) == 1
    assert (await budget(env, staff["nco"]))["paid"] == "10000.00"
    # And a second application for the same employer, type and year cannot even be made.
    after = await apply(env, staff["clerk"], decided[0]["id"])
    assert (after.status_code, after.json()["code"]) == (409, "already_applied")


async def test_if_match_refuses_a_step_on_a_changed_application(env, staff, decided):
    app = (await apply(env, staff["clerk"], decided[0]["id"])).json()
    await step(env, staff["reviewer"], app["id"], "township_approve")
    stale = await step(env, staff["nco"] | {"If-Match": f'"{app["row_version"]}"'}, app["id"], "nco_approve")
    assert (stale.status_code, stale.json()["code"]) == (412, "precondition_failed")
    fresh = (await env.client.get(f"{APPLICATIONS}/{app['id']}", headers=staff["nco"])).headers["etag"]
    assert (await step(env, staff["nco"] | {"If-Match": fresh}, app["id"], "nco_approve")).status_code == 200


async def test_a_superseded_decision_cannot_be_approved(env, staff, decided, fake_placement):
    app = (await apply(env, staff["clerk"], decided[0]["id"])).json()
    await step(env, staff["reviewer"], app["id"], "township_approve")
    await step(env, staff["nco"], app["id"], "nco_approve")
    changed = next(e for e in fake_placement.employers[YEAR] if e["employer_id"] == decided[0]["beneficiary_id"])
    changed["contracts"].append(contract("2013-05-01", "2014-04-30", year=YEAR))
    await evaluate(env, staff["nco"])
    read = (await env.client.get(f"{APPLICATIONS}/{app['id']}", headers=staff["nco"])).json()
    assert read["decision_is_current"] is False
    refused = await step(env, staff["approver"], app["id"], "finance_approve")
    assert (refused.status_code, refused.json()["code"]) == (409, "decision_superseded")
    assert (await step(env, staff["clerk"], app["id"], "withdraw")).json()["status"] == "withdrawn"
    old = await apply(env, staff["clerk"], decided[0]["id"])
    assert (old.status_code, old.json()["code"]) == (409, "decision_superseded")


async def test_an_employer_applies_for_itself_only(env, staff, decided, employer_client):
    own_id = decided[0]["beneficiary_id"]
    own = employer_client(own_id)
    created = await apply(env, own, decided[0]["id"])
    assert created.status_code == 201, created.text
    others = await apply(env, own, decided[1]["id"])
    assert (others.status_code, others.json()["code"]) == (404, "decision_not_found")
    other_app = (await apply(env, staff["clerk"], decided[1]["id"])).json()
    hidden = await env.client.get(f"{APPLICATIONS}/{other_app['id']}", headers=own)
    assert hidden.status_code == 404
    touch = await step(env, own, other_app["id"], "withdraw")
    assert touch.status_code == 404
    assert [a["id"] for a in (await env.client.get(APPLICATIONS, headers=own)).json()["items"]] == [
        created.json()["id"]
    ]
    review = await step(env, own, created.json()["id"], "township_approve")
    assert (review.status_code, review.json()["code"]) == (403, "not_your_step")
    assert (await step(env, own, created.json()["id"], "withdraw")).json()["status"] == "withdrawn"
    assert (await env.client.get(f"{APPLICATIONS}/{other_app['id']}", headers=staff["shapu"])).status_code == 404


async def test_a_tax_reduction_is_recorded_as_granted_without_money(env, staff, decided):
    (tax,) = await decisions_of(
        env.client, staff["nco"], year=YEAR, subsidy_type="tax_reduction", beneficiary_id=decided[0]["beneficiary_id"]
    )
    assert tax["amount"] == "0.00"
    app = (await apply(env, staff["clerk"], tax["id"])).json()
    for who, action in (("reviewer", "township_approve"), ("nco", "nco_approve"), ("approver", "finance_approve")):
        assert (await step(env, staff[who], app["id"], action)).status_code == 200
    granted = await step(
        env,
        staff["cashier"],
        app["id"],
        "record_payment",
        payment=payment("0.00", voucher_number="柳地税减〔2014〕7号"),
    )
    assert granted.json()["status"] == "paid" and granted.json()["payment"]["amount"] == "0.00"
    assert (await budget(env, staff["nco"]))["committed"] == "0.00"
