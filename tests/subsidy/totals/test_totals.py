"""A year's totals (type, tier, jurisdiction, status, budget used and left), the CSV and XLSX exports with Chinese
headings, and the event feed of decisions, approvals and payments for county-wide followers."""

import csv
import io

import pytest
from openpyxl import load_workbook

from tests.subsidy.applications.test_workflow import people
from tests.subsidy.conftest import apply, evaluate, payment, publish, set_budget, step
from tests.subsidy.fakes import employer

YEAR = 2013
TOTALS = "/api/v1/subsidy-totals"
EVENTS = "/api/v1/subsidy-events"


@pytest.fixture
async def year(env, staff, fake_placement):
    """Four employers decided (three in Dapu, one in Shapu), one application paid, one approved, one submitted."""
    await publish(env.client, staff["nco"])
    fake_placement.employers[YEAR] = [
        employer(people(2)),
        employer(people(60)),
        employer(people(3)),
        employer(people(1), jurisdiction="shapu"),
    ]
    await evaluate(env, staff["nco"])
    await set_budget(env.client, staff["approver"], YEAR, "enterprise_placement", "100000.00")
    decided = {
        d["qualifying_count"]: d
        for d in (await env.client.get("/api/v1/subsidy-decisions", headers=staff["nco"])).json()["items"]
    }
    apps = []
    for count in (2, 60, 3):
        created = await apply(env, staff["clerk"], decided[count]["id"])
        apps.append(created.json()["id"])
    for app in apps[:2]:
        for who, action in (("reviewer", "township_approve"), ("nco", "nco_approve"), ("approver", "finance_approve")):
            assert (await step(env, staff[who], app, action)).status_code == 200
    await step(env, staff["cashier"], apps[0], "record_payment", payment=payment())
    return decided


async def test_the_years_totals(env, staff, year):
    response = await env.client.get(TOTALS, params={"year": YEAR}, headers=staff["approver"])
    assert response.status_code == 200, response.text
    body = response.json()
    (by_type,) = body["by_type"]
    assert by_type | {} == {
        "subsidy_type": "enterprise_placement",
        "subsidy_type_label_zh": "启航工程企业安置补助",
        "decisions": 4,
        "paying_decisions": 4,
        "decided_amount": "50000.00",
        "budget": "100000.00",
        "budget_used": "30000.00",
        "budget_paid": "10000.00",
        "budget_left": "70000.00",
    }
    assert [(t["tier"], t["decisions"], t["qualifying_count"], t["amount"]) for t in body["by_tier"]] == [
        ("1-49", 3, 6, "30000.00"),
        ("50-99", 1, 60, "20000.00"),
    ]
    assert [(j["jurisdiction_code"], j["decisions"], j["amount"]) for j in body["by_jurisdiction"]] == [
        ("dapu", 3, "40000.00"),
        ("shapu", 1, "10000.00"),
    ]
    assert [(s["status"], s["applications"], s["amount"]) for s in body["by_status"]] == [
        ("approved", 1, "20000.00"),
        ("paid", 1, "10000.00"),
        ("submitted", 1, "10000.00"),
    ]
    assert (body["decided_amount"], body["budget_left"], body["jurisdiction_code"]) == ("50000.00", "70000.00", None)

    shapu = (await env.client.get(TOTALS, params={"year": YEAR}, headers=staff["shapu"])).json()
    assert shapu["jurisdiction_code"] == "shapu"
    assert [(j["jurisdiction_code"], j["amount"]) for j in shapu["by_jurisdiction"]] == [("shapu", "10000.00")]
    assert shapu["by_status"] == []
    empty = (await env.client.get(TOTALS, params={"year": 2020}, headers=staff["nco"])).json()
    assert (empty["by_type"], empty["decided_amount"]) == ([], "0.00")


async def test_exports_have_chinese_headings_and_only_what_the_caller_sees(env, staff, year):
    response = await env.client.get(
        "/api/v1/subsidy-decisions/export", params={"year": YEAR, "format": "csv"}, headers=staff["nco"]
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:5] == ["年度", "补助类型", "受益对象类型", "受益对象编号", "所属乡镇"]
    assert len(rows) == 5
    assert {r[4] for r in rows[1:]} == {"大埔镇", "沙埔镇"}
    assert {r[10] for r in rows[1:]} == {"10000.00", "20000.00"}

    shapu = await env.client.get("/api/v1/subsidy-decisions/export", params={"format": "xlsx"}, headers=staff["shapu"])
    sheet = load_workbook(io.BytesIO(shapu.content)).active
    values = list(sheet.values)
    assert values[0][0] == "年度" and len(values) == 2 and values[1][4] == "沙埔镇"

    apps = await env.client.get(
        "/api/v1/subsidy-applications/export", params={"format": "xlsx", "year": YEAR}, headers=staff["approver"]
    )
    sheet = load_workbook(io.BytesIO(apps.content)).active
    table = list(sheet.values)
    assert table[0][:7] == ("年度", "补助类型", "受益对象类型", "受益对象编号", "所属乡镇", "金额（元）", "申请状态")
    paid = [row for row in table[1:] if row[6] == "已拨付"]
    assert len(paid) == 1 and paid[0][8] == "柳财拨〔2014〕0315号"


async def test_the_event_feed_of_decisions_approvals_and_payments(env, staff, year, service_auth):
    feed = await env.client.get(EVENTS, params={"limit": 200}, headers=service_auth())
    assert feed.status_code == 200, feed.text
    events = feed.json()["items"]
    kinds = [e["kind"] for e in events]
    assert kinds.count("subsidy_decision.made") == 4
    assert kinds.count("subsidy_application.approved") == 2
    assert kinds.count("subsidy_payment.recorded") == 1
    made = next(e for e in events if e["kind"] == "subsidy_decision.made")
    assert set(made["data"]) == {
        "decision_id", "year", "subsidy_type", "beneficiary_kind", "beneficiary_id", "jurisdiction_code", "version",
        "policy_id", "policy_version", "qualifying_count", "tier", "amount", "amount_before", "evaluation_id",
        "decided_on",
    }  # fmt: skip
    paid = next(e for e in events if e["kind"] == "subsidy_payment.recorded")
    assert (paid["data"]["paid_amount"], paid["data"]["status"]) == ("10000.00", "paid")
    assert "voucher_number" not in paid["data"]
    for headers in (staff["clerk"], staff["shapu"]):
        refused = await env.client.get(EVENTS, headers=headers)
        assert refused.status_code == 403
    assert (await env.client.get(EVENTS, headers=staff["approver"])).status_code == 200
