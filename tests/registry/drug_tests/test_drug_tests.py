"""Drug tests: recorded in date order, a positive result records a relapse, never rewritten."""

from datetime import date, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.registry.measures.conftest import count


async def test_tests_are_listed_by_date_with_labels(person, registry, auth, add_test):
    pid = await person(760)
    await add_test(pid, "2022-05-01", "positive", substance="heroin", kind="hair")
    await add_test(pid, "2022-01-01", "negative")
    items = (await registry.get(f"/api/v1/persons/{pid}/drug-tests", headers=auth())).json()["items"]
    assert [(t["tested_on"], t["result"], t["relapse_recorded"]) for t in items] == [
        ("2022-01-01", "negative", False),
        ("2022-05-01", "positive", True),
    ]
    assert (items[1]["kind_label_zh"], items[1]["result_label_zh"], items[1]["substance"]) == (
        "毛发检测",
        "阳性",
        "heroin",
    )


async def test_a_positive_result_records_one_relapse_on_the_test_date(person, add_test, db):
    pid = await person(761)
    await add_test(pid, "2022-01-01", "negative")
    await add_test(pid, "2022-02-01", "invalid")
    await add_test(pid, "2022-03-01", "positive", substance="ketamine")
    rows = (await db.execute(text("SELECT occurred_on, source FROM relapse WHERE person_id = :p"), {"p": pid})).all()
    assert [tuple(r) for r in rows] == [(date(2022, 3, 1), "drug_test")]


async def test_bad_input_is_a_422_problem_and_writes_nothing(person, registry, auth, db):
    pid = await person(762)
    url = f"/api/v1/persons/{pid}/drug-tests"
    good = {"tested_on": "2022-01-01", "kind": "urine", "result": "negative", "tested_by": "大埔派出所"}
    before = (await count(db, "drug_test"), await count(db, "relapse"))
    for body in [
        {**good, "result": "maybe"},
        {**good, "kind": "sweat"},
        {k: v for k, v in good.items() if k != "tested_by"},
        {**good, "person_id": pid},
        {**good, "result": "positive", "tested_on": str(date.today() + timedelta(days=1))},
    ]:
        response = await registry.post(url, json=body, headers=auth())
        assert response.status_code == 422, body
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["errors"]
    assert (await count(db, "drug_test"), await count(db, "relapse")) == before


async def test_idempotency_key_replays_without_a_second_test_or_relapse(person, registry, auth, db):
    pid = await person(763)
    url = f"/api/v1/persons/{pid}/drug-tests"
    headers = {**auth(sub="fixed-subject-763"), "Idempotency-Key": "dt-763"}
    body = {"tested_on": "2022-01-01", "kind": "urine", "result": "positive", "tested_by": "大埔派出所"}
    first = await registry.post(url, json=body, headers=headers)
    replay = await registry.post(url, json=body, headers=headers)
    assert (first.status_code, replay.status_code) == (201, 201)
    assert replay.json()["id"] == first.json()["id"] and replay.headers["Idempotent-Replayed"] == "true"
    other = await registry.post(url, json={**body, "result": "negative"}, headers=headers)
    assert other.status_code == 422
    relapses = (await db.execute(text("SELECT count(*) FROM relapse WHERE person_id = :p"), {"p": pid})).scalar_one()
    assert relapses == 1
    assert len((await registry.get(url, headers=auth())).json()["items"]) == 1


@pytest.mark.parametrize("statement", ["UPDATE drug_test SET result = 'negative'", "DELETE FROM relapse"])
async def test_the_database_refuses_to_rewrite_tests_and_relapses(person, add_test, db, statement):
    await add_test(await person(764), "2022-01-01", "positive")
    with pytest.raises(DBAPIError, match="append-only"):
        async with db.begin_nested():
            await db.execute(text(statement))
