"""Control measures: defaults, overlaps, transitions, ending once, corrections that keep the history."""

from datetime import date, timedelta

import pytest

from registry.measures.rules import CONTROL_KINDS, TRANSITIONS, transition_allowed
from tests.registry.measures.conftest import count


async def test_community_detox_and_rehabilitation_are_planned_for_three_years_by_default(person, add_measure):
    detox = await add_measure(await person(701), "community_detox", "2020-02-29")
    assert detox.status_code == 201, detox.text
    assert detox.json()["planned_end_on"] == "2023-02-28"
    assert detox.json()["kind_label_zh"] == "社区戒毒"
    rehab = await add_measure(await person(702), "community_rehabilitation", "2021-05-10")
    assert rehab.json()["planned_end_on"] == "2024-05-10"
    custody = await add_measure(await person(703), "custody", "2021-05-10")
    assert custody.json()["planned_end_on"] is None


async def test_a_planned_end_beyond_the_legal_term_is_refused(person, add_measure, db):
    pid = await person(704)
    before = await count(db, "control_measure")
    refused = await add_measure(pid, "community_detox", "2020-01-01", planned_end_on="2023-06-01")
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["errors"][0]["field"] == "body.planned_end_on"
    assert await count(db, "control_measure") == before


async def test_community_detox_while_in_compulsory_isolation_is_refused(person, add_measure, registry, auth):
    pid = await person(705)
    assert (await add_measure(pid, "compulsory_isolation", "2022-01-01")).status_code == 201
    contradictory = await add_measure(pid, "community_detox", "2022-06-01")
    assert contradictory.status_code == 409
    assert contradictory.json()["code"] == "overlapping_measure"
    # Backdated, ending inside the isolation: still an overlap.
    backdated = await add_measure(
        pid, "community_detox", "2021-06-01", actual_end_on="2022-02-01", end_reason="completed"
    )
    assert backdated.status_code == 409
    listed = await registry.get(f"/api/v1/persons/{pid}/measures", headers=auth())
    assert [m["kind"] for m in listed.json()["items"]] == ["compulsory_isolation"]


async def test_voluntary_detox_may_run_alongside_a_control_measure_but_not_alongside_another(person, add_measure):
    pid = await person(706)
    assert (await add_measure(pid, "community_detox", "2022-01-01")).status_code == 201
    assert (await add_measure(pid, "voluntary_detox", "2022-03-01")).status_code == 201
    assert (await add_measure(pid, "voluntary_detox", "2022-04-01")).status_code == 409


ALLOWED = [
    ("community_detox", "escalated_after_relapse", "compulsory_isolation"),
    ("community_detox", "lost_contact", "compulsory_isolation"),
    ("community_detox", "completed", "community_detox"),
    ("compulsory_isolation", "completed", "community_rehabilitation"),
    ("compulsory_isolation", "completed", "facility_rehabilitation"),
    ("facility_rehabilitation", "completed", "community_rehabilitation"),
    ("community_rehabilitation", "escalated_after_relapse", "compulsory_isolation"),
    ("custody", "completed", "community_detox"),
]
REFUSED = [
    ("community_detox", "completed", "community_rehabilitation"),
    ("community_detox", "completed", "compulsory_isolation"),
    ("compulsory_isolation", "completed", "community_detox"),
    ("compulsory_isolation", "escalated_after_relapse", "community_rehabilitation"),
    ("community_rehabilitation", "completed", "facility_rehabilitation"),
    ("community_detox", "death", "custody"),
    ("custody", "death", "community_detox"),
]


@pytest.mark.parametrize(("previous", "ended", "following"), ALLOWED)
def test_transition_table_allows(previous, ended, following):
    assert transition_allowed(previous, ended, following)


@pytest.mark.parametrize(("previous", "ended", "following"), REFUSED)
def test_transition_table_refuses(previous, ended, following):
    assert not transition_allowed(previous, ended, following)


def test_transition_table_names_only_control_measures_and_death_is_final():
    for previous, targets in TRANSITIONS.items():
        assert previous in CONTROL_KINDS
        for following, reasons in targets.items():
            assert following in CONTROL_KINDS and "death" not in reasons


@pytest.mark.parametrize(
    ("previous", "ended", "following", "expected"),
    [(*t, 201) for t in ALLOWED[:5]] + [(*t, 409) for t in REFUSED[:5]],
)
async def test_the_api_enforces_the_transition_table(person, add_measure, previous, ended, following, expected):
    pid = await person(710)
    first = await add_measure(pid, previous, "2019-01-01", actual_end_on="2020-01-01", end_reason=ended)
    assert first.status_code == 201, first.text
    second = await add_measure(pid, following, "2020-01-01")
    assert second.status_code == expected, second.text
    if expected == 409:
        assert second.json()["code"] == "transition_not_allowed"


async def test_a_backdated_episode_must_also_fit_before_its_successor(person, add_measure):
    pid = await person(711)
    assert (await add_measure(pid, "community_rehabilitation", "2021-01-01")).status_code == 201
    # Isolation completed, then rehabilitation: fits. Community detox completed, then rehabilitation: does not.
    misfit = await add_measure(pid, "community_detox", "2018-01-01", actual_end_on="2020-12-01", end_reason="completed")
    assert misfit.status_code == 409 and misfit.json()["code"] == "transition_not_allowed"
    fits = await add_measure(
        pid, "compulsory_isolation", "2019-01-01", actual_end_on="2021-01-01", end_reason="completed"
    )
    assert fits.status_code == 201, fits.text


async def test_ending_is_done_once_and_recorded(person, add_measure, registry, auth, db):
    pid = await person(712)
    measure = (await add_measure(pid, "community_detox", "2021-01-01")).json()
    url = f"/api/v1/persons/{pid}/measures/{measure['id']}/end"
    ended = await registry.post(url, json={"actual_end_on": "2022-05-01", "end_reason": "lost_contact"}, headers=auth())
    assert ended.status_code == 200, ended.text
    assert (ended.json()["actual_end_on"], ended.json()["end_reason"]) == ("2022-05-01", "lost_contact")
    again = await registry.post(url, json={"actual_end_on": "2022-06-01", "end_reason": "completed"}, headers=auth())
    assert again.status_code == 409 and again.json()["code"] == "measure_already_ended"
    listed = (await registry.get(f"/api/v1/persons/{pid}/measures", headers=auth())).json()["items"]
    assert listed[0]["actual_end_on"] == "2022-05-01"


async def test_an_end_before_the_start_or_in_the_future_is_refused(person, add_measure, registry, auth):
    pid = await person(713)
    measure = (await add_measure(pid, "custody", "2021-01-01")).json()
    url = f"/api/v1/persons/{pid}/measures/{measure['id']}/end"
    early = await registry.post(url, json={"actual_end_on": "2020-12-31", "end_reason": "completed"}, headers=auth())
    assert early.status_code == 422
    tomorrow = str(date.today() + timedelta(days=1))
    future = await registry.post(url, json={"actual_end_on": tomorrow, "end_reason": "completed"}, headers=auth())
    assert future.status_code == 422
    assert (await add_measure(pid, "voluntary_detox", tomorrow)).status_code == 422


async def test_the_database_refuses_to_rewrite_a_measure(person, add_measure, db):
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    pid = await person(714)
    measure = (await add_measure(pid, "community_detox", "2021-01-01")).json()
    with pytest.raises(DBAPIError, match="never rewritten"):
        async with db.begin_nested():
            await db.execute(
                text("UPDATE control_measure SET start_on = '2020-01-01' WHERE id = :id"), {"id": measure["id"]}
            )


async def test_a_correction_supersedes_without_losing_history(person, add_measure, registry, auth, status):
    pid = await person(715)
    wrong = (await add_measure(pid, "community_detox", "2021-01-01", decision_number="柳公社戒〔2021〕1号")).json()
    url = f"/api/v1/persons/{pid}/measures/{wrong['id']}/corrections"
    body = {"kind": "community_detox", "start_on": "2021-02-01", "decision_number": "柳公社戒〔2021〕1号"}
    no_reason = await registry.post(url, json=body, headers=auth())
    assert no_reason.status_code == 422
    corrected = await registry.post(url, json={**body, "reason": "决定书日期录入错误"}, headers=auth())
    assert corrected.status_code == 201, corrected.text
    fixed = corrected.json()
    assert fixed["corrects_id"] == wrong["id"] and fixed["correction_reason"] == "决定书日期录入错误"
    assert fixed["planned_end_on"] == "2024-02-01"
    items = (await registry.get(f"/api/v1/persons/{pid}/measures", headers=auth())).json()["items"]
    assert [(m["id"], m["start_on"], m["in_force"], m["corrected_by_id"]) for m in items] == [
        (wrong["id"], "2021-01-01", False, fixed["id"]),
        (fixed["id"], "2021-02-01", True, None),
    ]
    # The status reads the correction: on 15 January 2021 the person was not yet under control.
    assert (await status(pid, "2021-01-15"))["under_control"] is False
    assert (await status(pid, "2021-02-01"))["current_measure"]["since"] == "2021-02-01"
    # The superseded entry can be neither corrected again nor ended.
    again = await registry.post(url, json={**body, "reason": "again"}, headers=auth())
    assert again.status_code == 409 and again.json()["code"] == "measure_superseded"
    end = await registry.post(
        f"/api/v1/persons/{pid}/measures/{wrong['id']}/end",
        json={"actual_end_on": "2022-01-01", "end_reason": "completed"},
        headers=auth(),
    )
    assert end.status_code == 409


async def test_a_correction_may_fix_a_wrong_end_and_must_fit_the_other_episodes(person, add_measure, registry, auth):
    pid = await person(716)
    first = (await add_measure(pid, "community_detox", "2019-01-01")).json()
    ended = await registry.post(
        f"/api/v1/persons/{pid}/measures/{first['id']}/end",
        json={"actual_end_on": "2020-01-01", "end_reason": "completed"},
        headers=auth(),
    )
    assert ended.status_code == 200
    assert (await add_measure(pid, "custody", "2020-06-01")).status_code == 201
    url = f"/api/v1/persons/{pid}/measures/{first['id']}/corrections"
    body = {"kind": "community_detox", "start_on": "2019-01-01", "reason": "解除日期有误", "end_reason": "completed"}
    overlapping = await registry.post(url, json={**body, "actual_end_on": "2020-07-01"}, headers=auth())
    assert overlapping.status_code == 409
    fixed = await registry.post(url, json={**body, "actual_end_on": "2020-03-01"}, headers=auth())
    assert fixed.status_code == 201 and fixed.json()["actual_end_on"] == "2020-03-01"


async def test_bad_input_is_a_422_problem_and_writes_nothing(person, add_measure, registry, auth, db):
    pid = await person(717)
    before = await count(db, "control_measure")
    url = f"/api/v1/persons/{pid}/measures"
    for body in [
        {"kind": "house_arrest", "start_on": "2021-01-01"},
        {"kind": "custody", "start_on": "not-a-date"},
        {"kind": "custody", "start_on": "2021-01-01", "actual_end_on": "2021-05-01"},
        {"kind": "custody", "start_on": "2021-01-01", "jurisdiction_code": "dapu"},
        {"kind": "custody", "start_on": "2021-01-01", "actual_end_on": "2020-05-01", "end_reason": "completed"},
    ]:
        response = await registry.post(url, json=body, headers=auth())
        assert response.status_code == 422, body
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["errors"], body
    assert await count(db, "control_measure") == before


async def test_idempotency_key_replays_the_first_create_and_refuses_another_body(person, registry, auth, db):
    pid = await person(718)
    url = f"/api/v1/persons/{pid}/measures"
    # The key belongs to the caller: the same subject sends both requests.
    headers = {**auth(sub="fixed-subject-718"), "Idempotency-Key": "k-718"}
    body = {"kind": "community_detox", "start_on": "2021-01-01"}
    first = await registry.post(url, json=body, headers=headers)
    replay = await registry.post(url, json=body, headers=headers)
    assert (first.status_code, replay.status_code) == (201, 201)
    assert replay.json()["id"] == first.json()["id"] and replay.headers["Idempotent-Replayed"] == "true"
    other = await registry.post(url, json={**body, "start_on": "2021-02-01"}, headers=headers)
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    items = (await registry.get(url, headers=auth())).json()["items"]
    assert len(items) == 1


async def test_a_retried_correction_gets_its_first_answer_not_a_conflict(person, add_measure, registry, auth):
    pid = await person(719)
    wrong = (await add_measure(pid, "custody", "2021-01-01")).json()
    url = f"/api/v1/persons/{pid}/measures/{wrong['id']}/corrections"
    headers = {**auth(sub="fixed-subject-719"), "Idempotency-Key": "corr-719"}
    body = {"kind": "custody", "start_on": "2021-01-05", "reason": "日期有误"}
    first = await registry.post(url, json=body, headers=headers)
    retry = await registry.post(url, json=body, headers=headers)
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json()["id"] == first.json()["id"] and retry.headers["Idempotent-Replayed"] == "true"
    items = (await registry.get(f"/api/v1/persons/{pid}/measures", headers=auth())).json()["items"]
    assert len(items) == 2
