"""Leaving and returning to the register through the API: dated changes one after the other, archiving as leaving,
withdrawals, the status on the day, events, and bad input refused with nothing written."""

from datetime import date, timedelta

import pytest

from tests.dates import TOMORROW, resolved
from tests.registry.history.conftest import problem
from tests.registry.persons.conftest import person_body


async def test_death_on_d_takes_the_person_off_that_day_and_archives_the_record(
    registry, auth, person, add_measure, change, status, events_of
):
    pid = await person(401, registered_on="2012-01-10")
    await add_measure(pid, "community_detox", "2012-03-01")
    died = await change(pid, "left", "2013-09-30", "died", detail="病故，有死亡证明")
    assert died.status_code == 201, died.text
    assert died.headers["location"].endswith(f"/register-changes/{died.json()['id']}")
    assert (died.json()["reason_label_zh"], died.json()["standing"]) == ("死亡", True)

    before, on_the_day = await status(pid, "2013-09-29"), await status(pid, "2013-09-30")
    assert (before["on_record"], before["under_control"]) == (True, True)
    assert (on_the_day["on_record"], on_the_day["off_register_reason"]) == (False, "died")
    assert on_the_day["under_control"] is False and on_the_day["current_measure"] is None
    record = (await registry.get(f"/api/v1/persons/{pid}", headers=auth())).json()
    assert (record["status"], record["archived_on"], record["archive_reason_code"]) == (
        "archived",
        "2013-09-30",
        "died",
    )
    kind, data = (await events_of(pid))[-1]
    assert kind == "person.archived"
    assert (data["effective_on"], data["reason_code"], data["register_change_id"]) == (
        "2013-09-30",
        "died",
        died.json()["id"],
    )
    assert "病故" not in str(await events_of(pid))


async def test_moving_out_and_back_gives_two_spans_on_the_register(person, change, status, registry, auth, events_of):
    pid = await person(403, registered_on="2012-01-10")
    assert (await change(pid, "left", "2013-05-01", "moved_out_of_county")).status_code == 201
    back = await change(pid, "returned", "2014-01-10")
    assert back.status_code == 201, back.text
    assert [
        (await status(pid, day))["on_record"] for day in ("2013-04-30", "2013-05-01", "2014-01-09", "2014-01-10")
    ] == [
        True,
        False,
        False,
        True,
    ]
    assert (await registry.get(f"/api/v1/persons/{pid}", headers=auth())).json()["status"] == "active"
    assert [k for k, _ in await events_of(pid)][-2:] == ["person.archived", "person.returned"]
    listed = (await registry.get(f"/api/v1/persons/{pid}/register-changes", headers=auth())).json()["items"]
    assert [(c["kind"], c["effective_on"]) for c in listed] == [("left", "2013-05-01"), ("returned", "2014-01-10")]


async def test_a_registration_removed_as_entered_in_error_never_counts(person, change, status):
    pid = await person(405, registered_on="2012-01-10")
    assert (await change(pid, "left", "2013-05-01", "entered_in_error")).status_code == 201
    then = await status(pid, "2012-06-01")
    assert (then["on_record"], then["off_register_reason"]) == (False, "entered_in_error")


async def test_archiving_is_leaving_the_register_on_its_effective_day(registry, auth, person, status, events_of):
    pid = await person(407, registered_on="2012-01-10")
    archived = await registry.post(
        f"/api/v1/persons/{pid}/archive",
        json={"reason": "迁往外省居住", "reason_code": "moved_out_of_county", "effective_on": "2014-03-01"},
        headers=auth(),
    )
    assert archived.status_code == 200, archived.text
    assert (archived.json()["archived_on"], archived.json()["archive_reason_code"]) == (
        "2014-03-01",
        "moved_out_of_county",
    )
    assert (await status(pid, "2014-02-28"))["on_record"] is True
    assert (await status(pid, "2014-03-01"))["off_register_reason"] == "moved_out_of_county"
    # An archive without a date or a code (what existing callers send): today, "other".
    other = await person(408)
    plain = await registry.post(f"/api/v1/persons/{other}/archive", json={"reason": "期满解除"}, headers=auth())
    assert (plain.json()["archived_on"], plain.json()["archive_reason_code"]) == (str(date.today()), "other")


async def test_withdrawing_the_latest_change_puts_the_record_back(registry, auth, person, change, status, events_of):
    pid = await person(409, registered_on="2012-01-10")
    wrong = (await change(pid, "left", "2013-05-01", "died")).json()
    withdrawn = await registry.post(
        f"/api/v1/persons/{pid}/register-changes/{wrong['id']}/withdrawal",
        json={"reason": "录入错误：当事人健在"},
        headers=auth(),
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert (withdrawn.json()["standing"], withdrawn.json()["withdrawal_reason"]) == (False, "录入错误：当事人健在")
    assert (await status(pid, "2014-01-01"))["on_record"] is True
    assert (await registry.get(f"/api/v1/persons/{pid}", headers=auth())).json()["status"] == "active"
    kind, data = (await events_of(pid))[-1]
    assert (kind, data["register_change_id"], data["withdrawn_kind"], data["status"]) == (
        "person.register_change_withdrawn",
        wrong["id"],
        "left",
        "active",
    )
    again = await registry.post(
        f"/api/v1/persons/{pid}/register-changes/{wrong['id']}/withdrawal", json={"reason": "再撤"}, headers=auth()
    )
    problem(again, 409, "already_withdrawn")


async def test_history_dated_up_to_the_departure_can_be_back_entered_on_the_archived_record(
    person, change, add_measure, add_test
):
    pid = await person(411, registered_on="2012-01-10")
    assert (await change(pid, "left", "2014-06-01", "died")).status_code == 201
    assert (
        await add_measure(pid, "community_detox", "2012-03-01", actual_end_on="2014-06-01", end_reason="death")
    ).status_code == 201
    assert (await add_test(pid, "2013-01-05")).status_code == 201
    problem(await add_test(pid, "2014-06-02"), 409, "person_archived")


# --- Bad input: problem+json, nothing written ------------------------------------------------------------------------

BAD = [
    ("off the register before registration", [], ("left", "2011-12-31", "died"), 422, "validation_error"),
    ("in the future", [], ("left", TOMORROW, "died"), 422, "validation_error"),
    ("left without a reason", [], ("left", "2013-01-01", None), 422, "validation_error"),
    ("a return with a reason", [], ("returned", "2013-01-01", "died"), 422, "validation_error"),
    ("a return while on the register", [], ("returned", "2013-01-01", None), 409, "not_off_register"),
    (
        "two departures: overlapping off-register spans",
        [("left", "2013-05-01", "moved_out_of_county")],
        ("left", "2013-08-01", "died"),
        409,
        "overlapping_off_register",
    ),
    (
        "a departure inside an earlier off-register span",
        [("left", "2013-05-01", "moved_out_of_county"), ("returned", "2014-01-10", None)],
        ("left", "2013-08-01", "died"),
        409,
        "overlapping_off_register",
    ),
    ("a return after death", [("left", "2013-05-01", "died")], ("returned", "2014-01-01", None), 409, "death_is_final"),
    (
        "a return before the departure",
        [("left", "2013-05-01", "moved_out_of_county")],
        ("returned", "2013-04-01", None),
        422,
        "validation_error",
    ),
]


@pytest.mark.parametrize(("case", "before", "attempt", "status_code", "code"), BAD, ids=[c[0] for c in BAD])
async def test_bad_register_changes_are_refused_and_write_nothing(
    person, change, written, case, before, attempt, status_code, code
):
    pid = await person(420, registered_on="2012-01-10")
    for kind, day, reason in before:
        assert (await change(pid, kind, day, reason)).status_code == 201
    counts = await written(pid)
    kind, day, reason = attempt
    problem(await change(pid, kind, resolved(day), reason), status_code, code)
    assert await written(pid) == counts


async def test_only_the_latest_standing_change_may_be_withdrawn(registry, auth, person, change, written):
    pid = await person(422, registered_on="2012-01-10")
    first = (await change(pid, "left", "2013-05-01", "moved_out_of_county")).json()
    assert (await change(pid, "returned", "2014-01-10")).status_code == 201
    counts = await written(pid)
    refused = await registry.post(
        f"/api/v1/persons/{pid}/register-changes/{first['id']}/withdrawal", json={"reason": "错"}, headers=auth()
    )
    problem(refused, 409, "not_latest_change")
    assert await written(pid) == counts


async def test_a_departure_is_refused_while_a_stay_runs_past_it(person, stay, change, written):
    pid = await person(424, registered_on="2012-01-10")
    held = await stay(pid, "criminal_custody", "2013-03-01")
    assert held.status_code == 201, held.text
    counts = await written(pid)
    body = problem(await change(pid, "left", "2013-06-01", "died"), 409, "outside_register")
    assert held.json()["id"] in body["detail"]
    assert await written(pid) == counts


async def test_registration_day_rules_on_create_and_update(registry, auth, new_person, person, stay):
    tomorrow = str(date.today() + timedelta(days=1))
    future = await registry.post(
        "/api/v1/persons", json=person_body("未来甲", seq=50, registered_on=tomorrow), headers=auth()
    )
    assert [e["field"] for e in problem(future, 422)["errors"]] == ["body.registered_on"]
    unborn = await registry.post(
        "/api/v1/persons", json=person_body("未生甲", seq=50, registered_on="1989-12-31"), headers=auth()
    )
    assert [e["field"] for e in problem(unborn, 422)["errors"]] == ["body.registered_on"]
    pid = await person(426, registered_on="2012-01-10")
    assert (await stay(pid, "hospital", "2012-02-01", "2012-02-10")).status_code == 201
    later = await registry.patch(
        f"/api/v1/persons/{pid}", json={"registered_on": "2012-03-01"}, headers={**auth(), "If-Match": '"1"'}
    )
    assert "stay" in problem(later, 422)["detail"]
    earlier = await registry.patch(
        f"/api/v1/persons/{pid}", json={"registered_on": "2011-06-01"}, headers={**auth(), "If-Match": '"1"'}
    )
    assert earlier.status_code == 200, earlier.text
    assert earlier.json()["registered_on"] == "2011-06-01"
