"""The reporting service's world for the access matrix, and the one request each operation is called with.

Per side (A: 大埔镇 Dapu, B: 沙埔镇 Shapu): a supervision visit with a corrective action, and an action item of a
joint meeting owned by the township. County-wide: a target override, two assessment schemes (one with a draft
assessment), and the 2013 bulletin, published. All made by the county NCO through the API. The indicators and
targets are the notice's (loaded by the migrations). The read model is left empty: who may read a report does not
depend on its figures, and what a township sees of other jurisdictions' figures (suppressed small counts) is
reporting's own tests' business; the reports name every jurisdiction by design (REFERENCE)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from reporting.main import create_app
from tests.access.matrix import A, B, Call, Harness, World, fill_path

SERVICE = "reporting"


def make_app(settings, jwks_fetcher):
    return create_app(settings, jwks_fetcher=jwks_fetcher)


def _ok(response, status: int = 201) -> dict[str, Any]:
    assert response.status_code == status, f"{response.request.method} {response.request.url}: {response.text}"
    return response.json()


def visit_body(jurisdiction: str, finding: str) -> dict[str, Any]:
    return {
        "visited_on": str(date.today() - timedelta(days=40)),
        "jurisdiction_code": jurisdiction,
        "kind": "surprise",
        "inspectors": ["县禁毒办 韦丽"],
        "findings": [finding],
        # Already due: the overdue list shows it.
        "corrective_actions": [
            {"description": f"{finding}:补录安置台账", "due_on": str(date.today() - timedelta(days=10))}
        ],
    }


def scheme_body(year: int) -> dict[str, Any]:
    return {
        "name": f"柳城县{year}年度启航工程考核办法",
        "year": year,
        "items": [
            {"indicator_code": "placement_rate", "weight": "60", "veto_below": "10"},
            {"indicator_code": "control_rate", "weight": "40"},
        ],
        "pass_mark": "60",
    }


def meeting_body() -> dict[str, Any]:
    return {
        "held_on": str(date.today() - timedelta(days=20)),
        "title": "禁毒工作联席会议",
        "units_present": ["nco", "police", "human_resources", "township"],
        "decisions": ["各乡镇安置率须达到40%"],
        "action_items": [
            {
                "description": f"{code}建立安置点",
                "owner_department": "township",
                "owner_jurisdiction": code,
                "due_on": str(date.today() + timedelta(days=10)),
            }
            for code in (A, B)
        ],
    }


async def build(h: Harness, token: Callable[..., str], **_: str) -> World:
    c = h.client
    nco = {"Authorization": f"Bearer {token(roles=['staff'], department='nco')}"}
    world = World()
    visits = {}
    for side, code in (("A", A), ("B", B)):
        finding = f"{code}两人未参加技能培训"
        visit = _ok(await c.post("/api/v1/supervision-visits", json=visit_body(code, finding), headers=nco))
        visits[side] = visit
        world.hide(side, visit["id"], finding, *(a["id"] for a in visit["corrective_actions"]))
    meeting = _ok(await c.post("/api/v1/joint-meetings", json=meeting_body(), headers=nco))
    target = _ok(
        await c.post(
            "/api/v1/targets",
            json={
                "indicator_code": "placement_rate",
                "year": 2013,
                "jurisdiction_code": A,
                "value": "60",
                "reason": "县禁毒委决定",
            },
            headers=nco,
        )
    )
    assessed = _ok(await c.post("/api/v1/assessment-schemes", json=scheme_body(2013), headers=nco))
    spare = _ok(await c.post("/api/v1/assessment-schemes", json=scheme_body(2014), headers=nco))
    created = await c.post("/api/v1/assessments", json={"scheme_id": assessed["id"]}, headers=nco)
    assessment = _ok(created) | {"etag": created.headers["ETag"]}
    bulletin = _ok(await c.post("/api/v1/bulletins", json={"period": "2013"}, headers=nco))
    item_of_a = next(i for i in meeting["action_items"] if i["owner_jurisdiction"] == A)
    world.ids.update(
        code="placement_rate",
        target_id=target["id"],
        bulletin_id=bulletin["id"],
        chart="placement_rate",
        assessment_id=assessment["id"],
        jurisdiction_code=A,
        visit_id=visits["A"]["id"],
        action_id=visits["A"]["corrective_actions"][0]["id"],
        meeting_id=meeting["id"],
        item_id=item_of_a["id"],
    )
    world.extra.update(
        assessment=assessment, spare_scheme=spare, action=visits["A"]["corrective_actions"][0], item=item_of_a
    )
    return world


def _at(template: str) -> Callable[[World], str]:
    return lambda w: fill_path(template, w.ids)


def _if_match(obj: dict[str, Any]) -> dict[str, str]:
    return {"If-Match": f'"{obj["version"]}"'}


REPORTS = {
    ("GET", "/api/v1/reports/indicators"),
    ("GET", "/api/v1/reports/indicators/{code}/trend"),
    ("GET", "/api/v1/reports/indicators/{code}/ranking"),
    ("GET", "/api/v1/reports/subsidies"),
    ("GET", "/api/v1/bulletins"),
    ("GET", "/api/v1/bulletins/{bulletin_id}"),
    ("GET", "/api/v1/bulletins/{bulletin_id}/file"),
    ("GET", "/api/v1/bulletins/{bulletin_id}/charts/{chart}"),
    ("GET", "/api/v1/assessments"),
    ("GET", "/api/v1/assessments/{assessment_id}"),
    ("POST", "/api/v1/assessments"),
    ("POST", "/api/v1/assessments/{assessment_id}/recompute"),
    ("PUT", "/api/v1/assessments/{assessment_id}/veto-overrides/{jurisdiction_code}"),
    ("POST", "/api/v1/assessments/{assessment_id}/publish"),
    ("POST", "/api/v1/bulletins"),
}
REFERENCE = REPORTS | {
    ("GET", "/api/v1/targets"),
    ("POST", "/api/v1/targets"),
    ("GET", "/api/v1/joint-meetings"),
    ("GET", "/api/v1/joint-meetings/{meeting_id}"),
    ("POST", "/api/v1/joint-meetings"),
    ("PATCH", "/api/v1/joint-meetings/{meeting_id}/action-items/{item_id}"),
}
"""Reports, bulletins and assessments name every jurisdiction by design (others' figures suppressed for township
callers); targets and joint meetings are the county's, with items owned by each township."""
NOT_A_LIST = {
    ("GET", "/api/v1/indicators"): "the notice's indicators: county definitions, no side's objects",
    ("GET", "/api/v1/assessment-schemes"): "assessment schemes are county rules",
    ("GET", "/api/v1/reporting-feeds"): "the read model's freshness, no side's objects",
}

REQUESTS: dict[tuple[str, str], Callable[[World], Call]] = {
    ("POST", "/api/v1/targets"): lambda w: Call(
        "/api/v1/targets",
        json={
            "indicator_code": "control_rate",
            "year": 2013,
            "jurisdiction_code": A,
            "value": "70",
            "reason": "县禁毒委决定",
        },
    ),
    ("GET", "/api/v1/reports/indicators"): lambda w: Call("/api/v1/reports/indicators", params={"period": "2013"}),
    ("GET", "/api/v1/reports/indicators/{code}/trend"): lambda w: Call(
        _at("/api/v1/reports/indicators/{code}/trend")(w), params={"from": "2013-01", "to": "2013-12"}
    ),
    ("GET", "/api/v1/reports/indicators/{code}/ranking"): lambda w: Call(
        _at("/api/v1/reports/indicators/{code}/ranking")(w), params={"period": "2013"}
    ),
    ("GET", "/api/v1/reports/subsidies"): lambda w: Call("/api/v1/reports/subsidies", params={"year": 2013}),
    ("POST", "/api/v1/bulletins"): lambda w: Call("/api/v1/bulletins", json={"period": "2014"}),
    ("GET", "/api/v1/bulletins/{bulletin_id}/file"): lambda w: Call(
        _at("/api/v1/bulletins/{bulletin_id}/file")(w), params={"format": "xlsx"}
    ),
    ("GET", "/api/v1/bulletins/{bulletin_id}/charts/{chart}"): lambda w: Call(
        _at("/api/v1/bulletins/{bulletin_id}/charts/{chart}")(w), params={"format": "svg"}
    ),
    ("POST", "/api/v1/assessment-schemes"): lambda w: Call("/api/v1/assessment-schemes", json=scheme_body(2015)),
    ("POST", "/api/v1/assessments"): lambda w: Call(
        "/api/v1/assessments", json={"scheme_id": w.extra["spare_scheme"]["id"]}
    ),
    ("POST", "/api/v1/assessments/{assessment_id}/recompute"): lambda w: Call(
        _at("/api/v1/assessments/{assessment_id}/recompute")(w), headers={"If-Match": w.extra["assessment"]["etag"]}
    ),
    ("PUT", "/api/v1/assessments/{assessment_id}/veto-overrides/{jurisdiction_code}"): lambda w: Call(
        _at("/api/v1/assessments/{assessment_id}/veto-overrides/{jurisdiction_code}")(w),
        json={"veto": True, "reason": "重大事件"},
        headers={"If-Match": w.extra["assessment"]["etag"]},
    ),
    ("POST", "/api/v1/assessments/{assessment_id}/publish"): lambda w: Call(
        _at("/api/v1/assessments/{assessment_id}/publish")(w), headers={"If-Match": w.extra["assessment"]["etag"]}
    ),
    ("POST", "/api/v1/supervision-visits"): lambda w: Call(
        "/api/v1/supervision-visits", json=visit_body(A, "大埔镇台账不全")
    ),
    ("PATCH", "/api/v1/supervision-visits/{visit_id}/actions/{action_id}"): lambda w: Call(
        _at("/api/v1/supervision-visits/{visit_id}/actions/{action_id}")(w),
        json={"status": "done", "done_on": str(date.today()), "progress_note": "已补录"},
        headers=_if_match(w.extra["action"]),
    ),
    ("POST", "/api/v1/joint-meetings"): lambda w: Call("/api/v1/joint-meetings", json=meeting_body()),
    ("PATCH", "/api/v1/joint-meetings/{meeting_id}/action-items/{item_id}"): lambda w: Call(
        _at("/api/v1/joint-meetings/{meeting_id}/action-items/{item_id}")(w),
        json={"status": "done", "done_on": str(date.today())},
        headers=_if_match(w.extra["item"]),
    ),
}
