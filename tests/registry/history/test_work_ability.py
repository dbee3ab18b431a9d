"""Work ability as dated changes through the API: "able to work on 2013-12-31" has an answer, today's value follows
the latest change, a later entry for the same day supersedes, and a change before birth is refused."""

from datetime import date, timedelta

from tests.registry.history.conftest import problem


async def test_able_to_work_on_a_past_day_has_an_answer(registry, auth, person, ability, status, events_of):
    pid = await person(601, registered_on="2012-01-10")
    partly = await ability(pid, "partly", "2013-06-01", "腿部受伤")
    assert partly.status_code == 201, partly.text
    assert (await ability(pid, "able", "2014-03-01")).status_code == 201
    assert (await status(pid, "2013-12-31"))["work_ability"] == "partly"
    assert (await status(pid, "2013-05-31"))["work_ability"] == "able"
    record = (await registry.get(f"/api/v1/persons/{pid}", headers=auth())).json()
    assert (record["work_ability"], record["work_ability_since"]) == ("able", "2014-03-01")
    changed = [(d["work_ability"], d["effective_on"]) for k, d in await events_of(pid) if k == "work_ability.changed"]
    assert changed == [("able", "2012-01-10"), ("partly", "2013-06-01"), ("able", "2014-03-01")]
    assert "腿部" not in str(await events_of(pid))


async def test_a_back_dated_change_leaves_todays_value(registry, auth, person, ability, events_of):
    pid = await person(603, registered_on="2012-01-10")
    assert (await ability(pid, "unable", "2014-01-01", "重病")).status_code == 201
    version = (await registry.get(f"/api/v1/persons/{pid}", headers=auth())).json()["version"]
    assert (await ability(pid, "partly", "2013-01-01", "慢性病")).status_code == 201
    record = (await registry.get(f"/api/v1/persons/{pid}", headers=auth())).json()
    assert (record["work_ability"], record["version"]) == ("unable", version)
    assert [k for k, _ in await events_of(pid)][-1] == "work_ability.changed"


async def test_a_later_entry_for_the_same_day_supersedes(registry, auth, person, ability, status):
    pid = await person(605, registered_on="2012-01-10")
    assert (await ability(pid, "unable", "2013-06-01", "误录")).status_code == 201
    assert (await ability(pid, "partly", "2013-06-01", "复核：部分丧失")).status_code == 201
    assert (await status(pid, "2013-12-31"))["work_ability"] == "partly"
    listed = (await registry.get(f"/api/v1/persons/{pid}/work-ability-changes", headers=auth())).json()["items"]
    assert [(c["effective_on"], c["work_ability"], c["superseded"]) for c in listed] == [
        ("2012-01-10", "able", False),
        ("2013-06-01", "unable", True),
        ("2013-06-01", "partly", False),
    ]


async def test_a_patch_of_work_ability_is_a_dated_change(registry, auth, person, status):
    pid = await person(607, registered_on="2012-01-10")
    patched = await registry.patch(
        f"/api/v1/persons/{pid}",
        json={"work_ability": "partly", "work_ability_reason": "慢性病", "work_ability_since": "2013-04-01"},
        headers={**auth(), "If-Match": '"1"'},
    )
    assert patched.status_code == 200, patched.text
    assert (patched.json()["work_ability"], patched.json()["work_ability_since"], patched.json()["version"]) == (
        "partly",
        "2013-04-01",
        2,
    )
    assert (await status(pid, "2013-03-31"))["work_ability"] == "able"
    assert (await status(pid, "2013-04-01"))["work_ability"] == "partly"


async def test_bad_changes_are_refused_and_write_nothing(registry, auth, person, ability, written):
    pid = await person(609, registered_on="2012-01-10")
    counts = await written(pid)
    before_birth = problem(await ability(pid, "able", "1989-12-31"), 422, "validation_error")
    assert [e["field"] for e in before_birth["errors"]] == ["body.effective_on"]
    problem(await ability(pid, "able", str(date.today() + timedelta(days=1))), 422, "validation_error")
    problem(await ability(pid, "unable", "2013-01-01"), 422, "validation_error")  # no reason
    alone = await registry.patch(
        f"/api/v1/persons/{pid}", json={"work_ability_since": "2013-01-01"}, headers={**auth(), "If-Match": '"1"'}
    )
    problem(alone, 422, "validation_error")
    assert await written(pid) == counts
