"""The subsidy service's world for the access matrix: a published policy and a draft, written by finance. Subsidy
policies are county rules, no side's objects: nothing here is hidden from either side."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from subsidy.main import create_app
from tests.access.matrix import Call, Harness, World, fill_path

SERVICE = "subsidy"
TIERS = [
    {"min_headcount": 100, "max_headcount": None, "amount_cny": "30000.00"},
    {"min_headcount": 50, "max_headcount": 99, "amount_cny": "20000.00"},
    {"min_headcount": 1, "max_headcount": 49, "amount_cny": "10000.00"},
]


def make_app(settings, jwks_fetcher):
    return create_app(settings, jwks_fetcher=jwks_fetcher)


def policy_body(year: int) -> dict[str, Any]:
    return {
        "year": year,
        "title": f"{year}年度“启航工程”企业安置经费补助标准",
        "effective_from": f"{year}-01-01",
        "effective_to": f"{year}-12-31",
        "tiers": TIERS,
        "notes": "依据柳城政办〔2012〕84号",
    }


async def build(h: Harness, token: Callable[..., str], **_: str) -> World:
    finance = {"Authorization": f"Bearer {token(roles=['staff'], department='finance')}"}
    published = await h.client.post("/api/v1/subsidy-policies", json=policy_body(2013), headers=finance)
    assert published.status_code == 201, published.text
    done = await h.client.post(f"/api/v1/subsidy-policies/{published.json()['id']}/publish", headers=finance)
    assert done.status_code == 200, done.text
    draft = await h.client.post("/api/v1/subsidy-policies", json=policy_body(2014), headers=finance)
    assert draft.status_code == 201, draft.text
    return World(ids={"policy_id": draft.json()["id"], "published_id": published.json()["id"]})


NOT_A_LIST = {
    ("GET", "/api/v1/subsidy-policies"): "subsidy policies are county rules: no side's objects",
    ("GET", "/api/v1/subsidy-audit-events"): "nothing of either side is audited here yet: policies are county rules",
    ("GET", "/api/v1/subsidy-audit-events/verify"): "the hash chain's verdict, not a list of objects",
}

REQUESTS: dict[tuple[str, str], Callable[[World], Call]] = {
    ("POST", "/api/v1/subsidy-policies"): lambda w: Call("/api/v1/subsidy-policies", json=policy_body(2015)),
    ("GET", "/api/v1/subsidy-policies/{policy_id}/tier-for"): lambda w: Call(
        fill_path("/api/v1/subsidy-policies/{policy_id}/tier-for", {"policy_id": w.ids["published_id"]}),
        params={"headcount": 60},
    ),
}
