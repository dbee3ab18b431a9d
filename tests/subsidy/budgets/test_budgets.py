"""Budgets per year and type: finance sets them (201 the first time, then with If-Match), amounts are decimal strings
with two places, never negative or more precise, and a type that pays no money has none."""

from sqlalchemy import func, select

from subsidy.budgets.models import SubsidyBudget
from tests.subsidy.conftest import BUDGETS, PROBLEM

URL = f"{BUDGETS}/2013/enterprise_placement"


async def count(env) -> int:
    return await env.session.scalar(select(func.count()).select_from(SubsidyBudget))


async def test_finance_sets_and_changes_a_budget(env, auth):
    finance = auth(department="finance")
    created = await env.client.put(URL, json={"amount": "500000.00", "notes": "柳财预〔2013〕12号"}, headers=finance)
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["amount"], body["committed"], body["paid"], body["left"]) == ("500000.00", "0.00", "0.00", "500000.00")
    assert (body["subsidy_type_label_zh"], created.headers["etag"]) == ("启航工程企业安置补助", '"1"')
    missing = await env.client.put(URL, json={"amount": "400000.00"}, headers=finance)
    assert (missing.status_code, missing.json()["code"]) == (428, "precondition_required")
    changed = await env.client.put(URL, json={"amount": "400000"}, headers=finance | {"If-Match": '"1"'})
    assert changed.status_code == 200 and changed.json()["amount"] == "400000.00"
    stale = await env.client.put(URL, json={"amount": "1.00"}, headers=finance | {"If-Match": '"1"'})
    assert stale.status_code == 412
    listed = (
        await env.client.get(BUDGETS, params={"year": 2013}, headers=auth(department="township", jurisdiction="dapu"))
    ).json()
    assert [(b["subsidy_type"], b["amount"]) for b in listed] == [("enterprise_placement", "400000.00")]


async def test_bad_budgets_are_refused_and_nothing_is_written(env, auth):
    finance = auth(department="finance")
    for amount in ("-1.00", "1.001", "1000000000000.00", "abc", None):
        response = await env.client.put(URL, json={"amount": amount}, headers=finance)
        assert response.status_code == 422, amount
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["errors"][0]["field"] == "body.amount"
    tax = await env.client.put(f"{BUDGETS}/2013/tax_reduction", json={"amount": "1.00"}, headers=finance)
    assert (tax.status_code, tax.json()["code"]) == (422, "type_pays_no_money")
    unknown = await env.client.put(f"{BUDGETS}/2013/lottery", json={"amount": "1.00"}, headers=finance)
    assert unknown.status_code == 422
    for who in (auth(department="nco"), auth(department="township", jurisdiction="dapu")):
        refused = await env.client.put(URL, json={"amount": "1.00"}, headers=who)
        assert (refused.status_code, refused.json()["code"]) == (403, "no_budget_access")
    assert await count(env) == 0
    assert (await env.client.get(URL, headers=finance)).status_code == 404
