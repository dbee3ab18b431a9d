"""Assessments (考核): a weighted scheme scores every jurisdiction from the year-end figures; pass or fail; the
one-vote veto computed from a threshold and overridden by the NCO with a reason; frozen once published, so late
data never changes it; CSV/XLSX of the results."""

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from tests.reporting.feeds import catch_up

PROBLEM = "application/problem+json"
SCHEME = {
    "name": "柳城县2013年度启航工程考核办法",
    "year": 2013,
    "items": [
        {"indicator_code": "placement_rate", "weight": "60", "veto_below": "10"},
        {"indicator_code": "control_rate", "weight": "40"},
    ],
    "pass_mark": "60",
}


@pytest.fixture
async def draft(reporting, reporting_session, feeds, auth):
    dapu = [feeds.person(jurisdiction="dapu") for _ in range(10)]
    for person in dapu[:4]:  # 40% of a 50% target: 48 of 60 points
        feeds.placement(person, date(2013, 3, 1))
    shapu = [feeds.person(jurisdiction="shapu") for _ in range(12)]
    feeds.placement(shapu[0], date(2013, 3, 1))  # 8.33%: below the veto threshold of 10%
    for person in [feeds.person(jurisdiction="mashan") for _ in range(6)][:3]:
        feeds.placement(person, date(2013, 3, 1))  # 50%: full points
    await catch_up(reporting_session, feeds)
    nco = auth()
    scheme = await reporting.post("/api/v1/assessment-schemes", json=SCHEME, headers=nco)
    assert scheme.status_code == 201, scheme.text
    assert scheme.json()["total_points"] == "100.00"
    created = await reporting.post("/api/v1/assessments", json={"scheme_id": scheme.json()["id"]}, headers=nco)
    assert created.status_code == 201, created.text
    return {"headers": nco, "body": created.json(), "etag": created.headers["ETag"]}


def result(body: dict, code: str) -> dict:
    return next(r for r in body["results"] if r["jurisdiction_code"] == code)


async def test_scores_totals_veto_and_pass(draft):
    body = draft["body"]
    assert body["status"] == "draft" and body["year"] == 2013
    dapu = result(body, "dapu")
    assert [(i["indicator_code"], i["value"], i["target"], i["score"]) for i in dapu["items"]] == [
        ("placement_rate", "40.00", "50.00", "48.00"),
        ("control_rate", "100.00", "75.00", "40.00"),
    ]
    assert (dapu["total"], dapu["veto"], dapu["passed"]) == ("88.00", False, True)
    shapu = result(body, "shapu")
    assert shapu["veto_computed"] is True and shapu["veto"] is True and shapu["passed"] is False
    # 8.33% of a 50% target is 10 of 60 points, plus 40 for control: 50, and vetoed anyway.
    assert shapu["total"] == "50.00" and result(body, "mashan")["total"] == "100.00"
    assert result(body, "mashan")["rank"] == 1 and dapu["rank"] == 2


async def test_the_nco_lifts_a_veto_with_a_reason_then_publishes_and_it_stays_frozen(
    reporting, reporting_session, feeds, draft
):
    nco, aid = draft["headers"], draft["body"]["id"]
    stale = await reporting.put(
        f"/api/v1/assessments/{aid}/veto-overrides/shapu",
        json={"veto": False, "reason": "已整改并经督导核实"},
        headers=nco | {"If-Match": '"9"'},
    )
    assert stale.status_code == 412
    lifted = await reporting.put(
        f"/api/v1/assessments/{aid}/veto-overrides/shapu",
        json={"veto": False, "reason": "已整改并经督导核实"},
        headers=nco | {"If-Match": draft["etag"]},
    )
    assert lifted.status_code == 200, lifted.text
    shapu = result(lifted.json(), "shapu")
    assert shapu["veto_computed"] is True and shapu["veto"] is False
    assert shapu["override"]["reason"] == "已整改并经督导核实"
    published = await reporting.post(
        f"/api/v1/assessments/{aid}/publish", headers=nco | {"If-Match": lifted.headers["ETag"]}
    )
    assert published.status_code == 200 and published.json()["status"] == "published"
    frozen = published.json()["results"]

    # Late data for 2013 arrives: a published assessment does not move.
    for person in [feeds.person(jurisdiction="dapu") for _ in range(5)]:
        feeds.placement(person, date(2013, 5, 1))
    await catch_up(reporting_session, feeds)
    again = await reporting.get(f"/api/v1/assessments/{aid}", headers=nco)
    assert again.json()["results"] == frozen
    for path in (f"/api/v1/assessments/{aid}/recompute", f"/api/v1/assessments/{aid}/publish"):
        refused = await reporting.post(path, headers=nco | {"If-Match": again.headers["ETag"]})
        assert refused.status_code == 409 and refused.json()["code"] == "assessment_published"
    refused = await reporting.put(
        f"/api/v1/assessments/{aid}/veto-overrides/dapu",
        json={"veto": True, "reason": "重大事件"},
        headers=nco | {"If-Match": again.headers["ETag"]},
    )
    assert refused.status_code == 409


async def test_a_draft_follows_late_data_when_recomputed(reporting, reporting_session, feeds, draft):
    nco, aid = draft["headers"], draft["body"]["id"]
    for person in [feeds.person(jurisdiction="shapu") for _ in range(3)]:
        feeds.placement(person, date(2013, 5, 1))
    await catch_up(reporting_session, feeds)
    recomputed = await reporting.post(f"/api/v1/assessments/{aid}/recompute", headers=nco | {"If-Match": draft["etag"]})
    assert recomputed.status_code == 200
    assert result(recomputed.json(), "shapu")["veto_computed"] is False


async def test_township_staff_see_published_assessments_only_and_may_not_assess(reporting, auth, draft):
    township = auth(department="township", jurisdiction="dapu")
    assert (await reporting.get(f"/api/v1/assessments/{draft['body']['id']}", headers=township)).status_code == 404
    assert (await reporting.get("/api/v1/assessments", headers=township)).json()["items"] == []
    refused = await reporting.post(
        "/api/v1/assessments", json={"scheme_id": draft["body"]["scheme"]["id"]}, headers=township
    )
    assert refused.status_code == 403
    await reporting.post(
        f"/api/v1/assessments/{draft['body']['id']}/publish", headers=draft["headers"] | {"If-Match": draft["etag"]}
    )
    assert (await reporting.get(f"/api/v1/assessments/{draft['body']['id']}", headers=township)).status_code == 200


async def test_one_assessment_per_scheme_and_bad_schemes_are_422(reporting, draft):
    nco = draft["headers"]
    twice = await reporting.post("/api/v1/assessments", json={"scheme_id": draft["body"]["scheme"]["id"]}, headers=nco)
    assert twice.status_code == 409 and twice.headers["content-type"] == PROBLEM
    doubled = SCHEME | {"items": [SCHEME["items"][0], SCHEME["items"][0]]}
    assert (await reporting.post("/api/v1/assessment-schemes", json=doubled, headers=nco)).status_code == 422
    unreachable = SCHEME | {"pass_mark": "150"}
    response = await reporting.post("/api/v1/assessment-schemes", json=unreachable, headers=nco)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "body.pass_mark"
    unknown = SCHEME | {"items": [{"indicator_code": "on_record", "weight": "10"}]}
    assert (await reporting.post("/api/v1/assessment-schemes", json=unknown, headers=nco)).status_code == 422


async def test_results_as_xlsx(reporting, draft):
    response = await reporting.get(
        f"/api/v1/assessments/{draft['body']['id']}", params={"format": "xlsx"}, headers=draft["headers"]
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]] == [
        "排名",
        "乡镇",
        "就业安置率得分",
        "管控率得分",
        "总分",
        "一票否决",
        "否决说明",
        "考核结果",
    ]
    rows = {r[1]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["沙埔镇"][5:] == ("是", None, "不合格") and rows["马山乡"][0] == 1
