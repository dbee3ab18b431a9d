"""The batch lookup gives placement what matching and placing need: the person's skills, and the day they were
released from compulsory isolation when nothing has followed it; still never a name or an ID number."""

from datetime import date, timedelta

from tests.registry.measures import conftest as measures_fixtures
from tests.registry.measures.test_lookup import URL, service_token

new_person = measures_fixtures.new_person
person = measures_fixtures.person
add_measure = measures_fixtures.add_measure


async def lookup_one(registry, make_token, person_id: str) -> dict:
    response = await registry.post(URL, json={"ids": [person_id]}, headers=service_token(make_token))
    assert response.status_code == 200, response.text
    return response.json()["items"][0]


async def test_the_lookup_carries_the_persons_skills_but_not_their_name(registry, make_token, person):
    skilled = await person(seq=901, skills=["缫丝", "电焊"])
    unskilled = await person(seq=903)

    item = await lookup_one(registry, make_token, skilled)

    assert item["skills"] == ["缫丝", "电焊"]
    assert (await lookup_one(registry, make_token, unskilled))["skills"] == []
    assert "name" not in item and "id_number" not in item


async def test_release_from_compulsory_isolation_is_given_only_while_nothing_follows_it(
    registry, make_token, person, add_measure
):
    released_on = date.today() - timedelta(days=30)
    start = released_on - timedelta(days=700)
    released = await person(seq=911)
    assert (
        await add_measure(released, "compulsory_isolation", start, actual_end_on=released_on, end_reason="completed")
    ).status_code == 201
    followed = await person(seq=913)
    assert (
        await add_measure(followed, "compulsory_isolation", start, actual_end_on=released_on, end_reason="completed")
    ).status_code == 201
    assert (await add_measure(followed, "community_rehabilitation", released_on)).status_code == 201
    still_inside = await person(seq=915)
    assert (await add_measure(still_inside, "compulsory_isolation", start)).status_code == 201

    item = await lookup_one(registry, make_token, released)
    assert (item["current_measure"], item["released_from_isolation_on"]) == (None, str(released_on))
    followed_item = await lookup_one(registry, make_token, followed)
    assert followed_item["current_measure"] == "community_rehabilitation"
    assert followed_item["released_from_isolation_on"] is None
    assert (await lookup_one(registry, make_token, still_inside))["released_from_isolation_on"] is None


async def test_an_isolation_that_ended_otherwise_is_no_release(registry, make_token, person, add_measure):
    ended_on = date.today() - timedelta(days=10)
    lost = await person(seq=921)
    assert (
        await add_measure(
            lost,
            "compulsory_isolation",
            ended_on - timedelta(days=400),
            actual_end_on=ended_on,
            end_reason="moved_away",
        )
    ).status_code == 201

    assert (await lookup_one(registry, make_token, lost))["released_from_isolation_on"] is None
