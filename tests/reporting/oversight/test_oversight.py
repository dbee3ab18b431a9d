"""Oversight: supervision visits (督导) with findings and corrective actions, joint meetings (联席会议) with decisions
and action items, progress with If-Match by the NCO or the owning township, and the overdue list."""

import csv
import io
from datetime import date, timedelta

PROBLEM = "application/problem+json"


def visit_body() -> dict:
    """A visit dated relative to today, read when a test runs (not when the module was imported)."""
    return {
        "visited_on": str(date.today() - timedelta(days=40)),
        "jurisdiction_code": "dapu",
        "kind": "surprise",
        "inspectors": ["县禁毒办 韦丽", "县人社局 覃明"],
        "findings": ["安置台账不全", "两人未参加技能培训"],
        "corrective_actions": [
            {"description": "补录安置台账", "due_on": str(date.today() - timedelta(days=10))},
            {"description": "组织技能培训", "due_on": str(date.today() + timedelta(days=30))},
        ],
    }


def meeting_body() -> dict:
    """A meeting dated relative to today, read when a test runs."""
    return {
        "held_on": str(date.today() - timedelta(days=20)),
        "title": "禁毒工作联席会议",
        "units_present": ["nco", "police", "human_resources", "township"],
        "decisions": ["一季度各乡镇安置率须达到40%"],
        "action_items": [
            {
                "description": "人社局组织两期技能培训",
                "owner_department": "human_resources",
                "due_on": str(date.today() - timedelta(days=5)),
            },
            {
                "description": "沙埔镇建立安置点",
                "owner_department": "township",
                "owner_jurisdiction": "shapu",
                "due_on": str(date.today() - timedelta(days=2)),
            },
        ],
    }


async def test_a_visit_its_actions_progress_and_the_overdue_list(reporting, auth):
    nco = auth()
    created = await reporting.post(
        "/api/v1/supervision-visits", json=visit_body(), headers=nco | {"Idempotency-Key": "v1"}
    )
    assert created.status_code == 201, created.text
    visit = created.json()
    assert visit["jurisdiction_name_zh"] == "大埔镇"
    late, ahead = visit["corrective_actions"]
    assert late["overdue"] is True and ahead["overdue"] is False
    meeting = await reporting.post("/api/v1/joint-meetings", json=meeting_body(), headers=nco)
    assert meeting.status_code == 201, meeting.text

    overdue = (await reporting.get("/api/v1/overdue-actions", headers=nco)).json()
    assert [(o["kind"], o["owner"], o["days_overdue"]) for o in overdue] == [
        ("corrective_action", "大埔镇", 10),
        ("action_item", "县人社局", 5),
        ("action_item", "沙埔镇", 2),
    ]
    # Dapu's staff record their own action, with If-Match; then it is no longer overdue.
    dapu = auth(department="township", jurisdiction="dapu")
    path = f"/api/v1/supervision-visits/{visit['id']}/actions/{late['id']}"
    no_match = await reporting.patch(path, json={"status": "done", "done_on": str(date.today())}, headers=dapu)
    assert no_match.status_code == 428
    done = await reporting.patch(
        path,
        json={"status": "done", "done_on": str(date.today()), "progress_note": "已补录"},
        headers=dapu | {"If-Match": '"1"'},
    )
    assert done.status_code == 200 and done.json()["status"] == "done" and done.headers["ETag"] == '"2"'
    stale = await reporting.patch(path, json={"status": "open"}, headers=dapu | {"If-Match": '"1"'})
    assert stale.status_code == 412
    dapu_overdue = (await reporting.get("/api/v1/overdue-actions", headers=dapu)).json()
    assert [o["owner"] for o in dapu_overdue] == ["县人社局"]  # county-wide items, not Shapu's own
    table = await reporting.get("/api/v1/overdue-actions", params={"format": "csv"}, headers=nco)
    rows = list(csv.reader(io.StringIO(table.content.decode("utf-8-sig"))))
    assert rows[0] == ["类别", "责任单位", "事项", "督导/会议日期", "期限", "逾期天数"] and len(rows) == 3


async def test_township_staff_see_only_their_own_visits_and_cannot_record_others(reporting, auth):
    nco = auth()
    visit = (await reporting.post("/api/v1/supervision-visits", json=visit_body(), headers=nco)).json()
    shapu = auth(department="township", jurisdiction="shapu")
    assert (await reporting.get(f"/api/v1/supervision-visits/{visit['id']}", headers=shapu)).status_code == 404
    assert (await reporting.get("/api/v1/supervision-visits", headers=shapu)).json() == []
    action = visit["corrective_actions"][0]
    refused = await reporting.patch(
        f"/api/v1/supervision-visits/{visit['id']}/actions/{action['id']}",
        json={"status": "open"},
        headers=shapu | {"If-Match": '"1"'},
    )
    assert refused.status_code == 404
    assert (await reporting.post("/api/v1/supervision-visits", json=visit_body(), headers=shapu)).status_code == 403
    meeting = (await reporting.post("/api/v1/joint-meetings", json=meeting_body(), headers=nco)).json()
    own, other = meeting["action_items"][1], meeting["action_items"][0]
    ok = await reporting.patch(
        f"/api/v1/joint-meetings/{meeting['id']}/action-items/{own['id']}",
        json={"status": "done", "done_on": str(date.today())},
        headers=shapu | {"If-Match": '"1"'},
    )
    assert ok.status_code == 200
    not_theirs = await reporting.patch(
        f"/api/v1/joint-meetings/{meeting['id']}/action-items/{other['id']}",
        json={"status": "done", "done_on": str(date.today())},
        headers=shapu | {"If-Match": '"1"'},
    )
    assert not_theirs.status_code == 403


async def test_bad_oversight_input_is_422_and_writes_nothing(reporting, auth):
    nco = auth()
    for body, field in (
        (visit_body() | {"jurisdiction_code": "nowhere"}, "body.jurisdiction_code"),
        (visit_body() | {"visited_on": str(date.today() + timedelta(days=1))}, "body.visited_on"),
        (
            visit_body() | {"corrective_actions": [{"description": "x1", "due_on": "2000-01-01"}]},
            "body.corrective_actions.0.due_on",
        ),
        (visit_body() | {"kind": "casual"}, "body.kind"),
    ):
        response = await reporting.post("/api/v1/supervision-visits", json=body, headers=nco)
        assert response.status_code == 422 and response.headers["content-type"] == PROBLEM
        assert field in {e["field"] for e in response.json()["errors"]}
    bad_unit = meeting_body() | {"units_present": ["nco", "mafia"]}
    response = await reporting.post("/api/v1/joint-meetings", json=bad_unit, headers=nco)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "body.units_present.1"
    assert (await reporting.get("/api/v1/supervision-visits", headers=nco)).json() == []
    assert (await reporting.get("/api/v1/joint-meetings", headers=nco)).json() == []
    visit = (await reporting.post("/api/v1/supervision-visits", json=visit_body(), headers=nco)).json()
    action = visit["corrective_actions"][0]
    missing_date = await reporting.patch(
        f"/api/v1/supervision-visits/{visit['id']}/actions/{action['id']}",
        json={"status": "done"},
        headers=nco | {"If-Match": '"1"'},
    )
    assert missing_date.status_code == 422 and missing_date.json()["errors"][0]["field"] == "body.done_on"
