"""The derived control status as of a date: under control, lost contact, relapse, abstinence, consolidation (rule v2;
the rule's edges are tables in tests/registry/history/test_rules.py)."""

from registry.main import create_app
from tests.registry.persons.conftest import person_body


async def test_a_person_with_no_history_is_neither_under_control_nor_abstinent(person, status):
    result = await status(await person(730), "2024-01-01")
    assert result["under_control"] is False and result["current_measure"] is None
    assert result["abstinent_since"] is None and result["consolidated"] is False
    assert result["definition"]["consolidation_years"] == 3 and "3 years" in result["definition"]["text"]
    assert result["definition"]["rule_version"] == "v2" and "rule v2" in result["definition"]["text"]


async def test_as_of_a_past_date_gives_the_state_then(person, add_measure, registry, auth, status):
    pid = await person(731)
    detox = (await add_measure(pid, "community_detox", "2019-01-01")).json()
    await registry.post(
        f"/api/v1/persons/{pid}/measures/{detox['id']}/end",
        json={"actual_end_on": "2020-06-01", "end_reason": "escalated_after_relapse"},
        headers=auth(),
    )
    await add_measure(pid, "compulsory_isolation", "2020-06-01", actual_end_on="2022-06-01", end_reason="completed")
    await add_measure(pid, "community_rehabilitation", "2022-06-01")

    before = await status(pid, "2018-12-31")
    assert before["under_control"] is False and before["abstinent_since"] is None
    in_detox = await status(pid, "2019-07-01")
    assert in_detox["current_measure"]["kind"] == "community_detox"
    assert in_detox["abstinent_since"] == "2019-01-01" and in_detox["last_relapse_on"] is None
    # The escalation day belongs to the isolation, counts as a relapse, and the isolation order restarts the clock.
    escalated = await status(pid, "2020-06-01")
    assert escalated["current_measure"] == {
        "id": escalated["current_measure"]["id"],
        "kind": "compulsory_isolation",
        "kind_label_zh": "强制隔离戒毒",
        "since": "2020-06-01",
        "planned_end_on": "2022-06-01",
    }
    assert escalated["last_relapse_on"] == "2020-06-01" and escalated["abstinent_since"] == "2020-06-01"
    assert escalated["consolidation_clock"]["consolidated_from"] == "2023-06-01"
    later = await status(pid, "2023-01-01")
    assert later["current_measure"]["kind"] == "community_rehabilitation" and later["under_control"] is True


async def test_a_positive_test_moves_last_relapse_and_abstinent_since(person, add_measure, add_test, status):
    pid = await person(732)
    await add_measure(pid, "community_detox", "2019-01-01")
    await add_test(pid, "2019-05-01", "negative")
    assert (await status(pid, "2020-01-01"))["abstinent_since"] == "2019-01-01"
    positive = await add_test(pid, "2020-03-10", "positive", substance="methamphetamine")
    assert positive.status_code == 201 and positive.json()["relapse_recorded"] is True
    after = await status(pid, "2020-04-01")
    assert (after["last_relapse_on"], after["abstinent_since"]) == ("2020-03-10", "2020-03-10")
    assert after["consolidation_clock"]["reason"] == "positive_test"
    # Before the test was taken, the state then did not know it.
    then = await status(pid, "2020-03-09")
    assert (then["last_relapse_on"], then["abstinent_since"]) == (None, "2019-01-01")
    await add_test(pid, "2020-09-01", "invalid")
    assert (await status(pid, "2020-10-01"))["last_relapse_on"] == "2020-03-10"


async def test_consolidated_only_after_the_configured_years(person, add_measure, add_test, status):
    pid = await person(733)
    await add_measure(pid, "community_detox", "2019-01-01", actual_end_on="2020-01-01", end_reason="completed")
    await add_test(pid, "2019-06-30", "positive")
    assert (await status(pid, "2022-06-29"))["consolidated"] is False
    reached = await status(pid, "2022-06-30")  # the anniversary counts
    assert reached["consolidated"] is True and reached["abstinent_since"] == "2019-06-30"
    assert reached["under_control"] is False


async def test_consolidation_years_come_from_settings(service_client, auth, make_token):
    async with service_client("registry", create_app, consolidation_years=1) as (client, _session):
        headers = auth()
        created = await client.post(
            "/api/v1/persons", json=person_body("设置甲", seq=734, registered_on="2019-12-01"), headers=headers
        )
        pid = created.json()["id"]
        await client.post(
            f"/api/v1/persons/{pid}/measures",
            json={"kind": "community_detox", "start_on": "2020-01-01"},
            headers=headers,
        )
        url = f"/api/v1/persons/{pid}/status"
        not_yet = (await client.get(url, params={"as_of": "2020-12-31"}, headers=headers)).json()
        reached = (await client.get(url, params={"as_of": "2021-01-01"}, headers=headers)).json()
    assert not_yet["consolidated"] is False
    assert reached["consolidated"] is True and reached["definition"]["consolidation_years"] == 1


async def test_lost_contact_shows_until_a_new_measure_starts(person, add_measure, status):
    pid = await person(735)
    await add_measure(pid, "community_detox", "2019-01-01", actual_end_on="2020-01-01", end_reason="lost_contact")
    lost = await status(pid, "2021-06-01")
    assert lost["lost_contact"] is True and lost["under_control"] is False
    assert lost["consolidated"] is False  # abstinence cannot be vouched for while nobody sees the person
    assert (await status(pid, "2019-12-31"))["lost_contact"] is False
    await add_measure(pid, "compulsory_isolation", "2022-01-01")
    found = await status(pid, "2022-02-01")
    assert found["lost_contact"] is False and found["under_control"] is True


async def test_status_refuses_a_malformed_date(person, registry, auth):
    response = await registry.get(
        f"/api/v1/persons/{await person(736)}/status", params={"as_of": "2024-13-01"}, headers=auth()
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
