"""The Qihang designation history: steps in order, allowed transitions, derived status, events, append-only."""

from datetime import date, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.placement.employers.conftest import EMPLOYERS, PROBLEM, bearer


def history_url(employer_id: str) -> str:
    return f"{EMPLOYERS}/{employer_id}/designations"


async def test_designate_suspend_reinstate_revoke_and_designate_again(placement, new_employer, step, auth):
    employer = await new_employer()
    eid = employer["id"]
    plan = [
        ("designate", "2012-05-15", "active"),
        ("suspend", "2013-03-01", "suspended"),
        ("reinstate", "2013-06-01", "active"),
        ("revoke", "2014-01-10", "revoked"),
        ("designate", "2015-02-01", "active"),
    ]
    for seq, (action, on, status) in enumerate(plan, start=1):
        response = await step(eid, action, on)
        assert response.status_code == 201, response.text
        body = response.json()
        assert (body["seq"], body["action"], body["status_after"], body["effective_on"]) == (seq, action, status, on)

    history = (await placement.get(history_url(eid), headers=auth())).json()
    assert [(s["seq"], s["action"], s["action_label_zh"]) for s in history["items"]] == [
        (1, "designate", "认定"),
        (2, "suspend", "暂停"),
        (3, "reinstate", "恢复"),
        (4, "revoke", "撤销"),
        (5, "designate", "认定"),
    ]
    assert history["items"][0]["document_number"] == "柳城政办〔2012〕84号"
    assert history["items"][1]["reason"] == "停产整顿"

    async def status_on(day: str) -> tuple[str, bool]:
        response = await placement.get(f"{history_url(eid)}/status", params={"on": day}, headers=auth())
        assert response.status_code == 200
        return response.json()["status"], response.json()["is_qihang_enterprise"]

    assert await status_on("2012-05-14") == ("not_designated", False)
    assert await status_on("2012-05-15") == ("active", True)
    assert await status_on("2013-03-01") == ("suspended", False)
    assert await status_on("2013-12-31") == ("active", True)
    assert await status_on("2014-06-30") == ("revoked", False)
    assert await status_on("2015-02-01") == ("active", True)

    read = (await placement.get(f"{EMPLOYERS}/{eid}", headers=auth())).json()
    assert read["is_qihang_enterprise"] is True
    assert read["qihang_designation"] == {
        "status": "active",
        "status_label_zh": "认定有效",
        "since": "2015-02-01",
        "document_number": "柳城政办〔2012〕84号",
    }


async def test_the_status_today_says_which_steps_may_follow(placement, new_employer, step, auth):
    employer = await new_employer()
    url = f"{history_url(employer['id'])}/status"
    assert (await placement.get(url, headers=auth())).json()["allowed_actions"] == ["designate"]
    await step(employer["id"], "designate", "2012-05-15")
    today = (await placement.get(url, headers=auth())).json()
    assert today["on"] == date.today().isoformat()
    assert today["allowed_actions"] == ["suspend", "revoke"]


@pytest.mark.parametrize(
    ("before", "action"),
    [
        ([], "suspend"),
        ([], "revoke"),
        ([], "reinstate"),
        (["designate"], "designate"),
        (["designate"], "reinstate"),
        (["designate", "suspend"], "suspend"),
        (["designate", "suspend"], "designate"),
        (["designate", "revoke"], "reinstate"),
        (["designate", "revoke"], "suspend"),
        (["designate", "revoke"], "revoke"),
    ],
)
async def test_a_step_that_may_not_follow_is_409_and_adds_nothing(placement, new_employer, step, auth, before, action):
    employer = await new_employer()
    for i, earlier in enumerate(before):
        assert (await step(employer["id"], earlier, f"2012-0{i + 1}-01")).status_code == 201
    response = await step(employer["id"], action, "2013-01-01")
    assert response.status_code == 409
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "designation_transition_not_allowed"
    history = (await placement.get(history_url(employer["id"]), headers=auth())).json()["items"]
    assert len(history) == len(before)


async def test_a_step_before_the_previous_one_is_refused(placement, new_employer, step):
    employer = await new_employer()
    await step(employer["id"], "designate", "2013-05-15")
    response = await step(employer["id"], "suspend", "2013-05-14")
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "body.effective_on", "message": "must be on or after 2013-05-15"}]
    same_day = await step(employer["id"], "suspend", "2013-05-15")
    assert same_day.status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"action": "designate", "effective_on": "2012-05-15"}, "body.document_number"),
        ({"action": "designate", "effective_on": "2012-05-15", "document_number": "  "}, "body.document_number"),
        (
            {"action": "designate", "effective_on": str(date.today() + timedelta(days=1)), "document_number": "x"},
            "body.effective_on",
        ),
        ({"action": "certify", "effective_on": "2012-05-15"}, "body.action"),
        ({"action": "designate", "effective_on": "2012-05-15", "document_number": "x", "status": "ok"}, "body.status"),
    ],
)
async def test_refuses_incomplete_or_invalid_steps(placement, new_employer, county, body, field):
    employer = await new_employer()
    response = await placement.post(history_url(employer["id"]), json=body, headers=bearer(county))
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert field in [e["field"] for e in response.json()["errors"]]


@pytest.mark.parametrize("action", ["suspend", "revoke"])
async def test_suspending_or_revoking_needs_a_reason(placement, new_employer, step, county, action):
    employer = await new_employer()
    await step(employer["id"], "designate", "2012-05-15")
    body = {"action": action, "effective_on": "2013-01-01"}
    response = await placement.post(history_url(employer["id"]), json=body, headers=bearer(county))
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "body.reason", "message": f"required to {action}"}]


async def test_each_step_is_an_event_without_the_reason_and_changes_the_employers_etag(
    placement, new_employer, step, events, auth
):
    employer = await new_employer()
    first = (await step(employer["id"], "designate", "2012-05-15")).json()
    second = (await step(employer["id"], "suspend", "2013-01-01", reason="负责人涉毒被查处")).json()

    written = await events(employer["id"])
    assert [kind for kind, _ in written] == ["employer.created", "employer.designated", "employer.designation_changed"]
    assert written[1][1] == {
        "employer_id": employer["id"],
        "designation_id": first["id"],
        "seq": 1,
        "action": "designate",
        "status_before": "not_designated",
        "status": "active",
        "effective_on": "2012-05-15",
        "document_number": "柳城政办〔2012〕84号",
        "jurisdiction_code": "dapu",
        "employer_version": 2,
    }
    assert written[2][1]["designation_id"] == second["id"]
    assert (written[2][1]["status_before"], written[2][1]["status"]) == ("active", "suspended")
    assert "负责人涉毒被查处" not in str(written)

    read = await placement.get(f"{EMPLOYERS}/{employer['id']}", headers=auth())
    assert read.headers["etag"] == '"3"'
    stale = await placement.patch(
        f"{EMPLOYERS}/{employer['id']}", json={"name": "x"}, headers={**auth(), "If-Match": '"1"'}
    )
    assert stale.status_code == 412


async def test_a_retry_with_the_same_idempotency_key_records_the_step_once(placement, new_employer, step, county, auth):
    employer = await new_employer()
    key = {"Idempotency-Key": "designate-pengxinyuan"}
    first = await step(employer["id"], "designate", "2012-05-15", headers=bearer(county, **key))
    again = await step(employer["id"], "designate", "2012-05-15", headers=bearer(county, **key))
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert len((await placement.get(history_url(employer["id"]), headers=auth())).json()["items"]) == 1
    other_body = await step(employer["id"], "suspend", "2013-01-01", headers=bearer(county, **key))
    assert other_body.status_code == 422
    assert other_body.json()["code"] == "idempotency_key_reused"


async def test_the_database_refuses_to_rewrite_the_history(placement, new_employer, step, db):
    employer = await new_employer()
    await step(employer["id"], "designate", "2012-05-15")
    for statement in (
        "UPDATE employer_designation SET effective_on = '2011-01-01'",
        "DELETE FROM employer_designation",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            async with db.begin_nested():
                await db.execute(text(statement))


async def test_the_history_pages_in_order(placement, new_employer, step, auth):
    employer = await new_employer()
    for action, on in [("designate", "2012-01-01"), ("suspend", "2012-02-01"), ("reinstate", "2012-03-01")]:
        await step(employer["id"], action, on)
    first = (await placement.get(history_url(employer["id"]), params={"limit": 2}, headers=auth())).json()
    rest = await placement.get(
        history_url(employer["id"]), params={"limit": 2, "cursor": first["next_cursor"]}, headers=auth()
    )
    assert [s["seq"] for s in first["items"]] + [s["seq"] for s in rest.json()["items"]] == [1, 2, 3]
    assert rest.json()["next_cursor"] is None


async def test_an_unknown_employer_has_no_designations(placement, auth, step):
    missing = "00000000-0000-4000-8000-000000000000"
    assert (await placement.get(history_url(missing), headers=auth())).status_code == 404
    response = await step(missing, "designate", "2012-05-15")
    assert response.status_code == 404
    assert response.json()["code"] == "employer_not_found"
