"""A person's way from the registry to a job, across the real processes: the registry records a release from
compulsory isolation, placement hears of it on the registry's event feed (its own client, through the gateway) and
lists the person as waiting; a township placement asks the registry through the gateway with the caller's token,
and takes the person off the list; with the registry stopped, a placement is a 503 and nothing is written."""

import uuid
from datetime import date, timedelta

import httpx
import pytest

from tests.e2e.conftest import call as e2e_call
from tests.e2e.conftest import new_employer, wait_until
from tests.e2e.steps import id_number, new_user, placement_body, register_person

pytestmark = pytest.mark.e2e

NAMES = ("覃某某", "韦某某", "蓝某某", "莫某某")


@pytest.fixture(scope="module")
def township(system, admin_token) -> dict[str, str]:
    """A Dapu township officer, created by the admin and logged in through the gateway."""
    return new_user(system, admin_token, "dapu", "township", "dapu")


def call(system, method: str, path: str, headers: dict, **kwargs) -> httpx.Response:
    return e2e_call(system, method, path, headers, timeout=15, **kwargs)


def released_person(system, township, seq: int) -> str:
    released_on = date.today() - timedelta(days=9)
    isolation = {
        "kind": "compulsory_isolation",
        "start_on": str(released_on - timedelta(days=730)),
        "actual_end_on": str(released_on),
        "end_reason": "completed",
    }
    return register_person(
        system,
        township,
        id_number(seq),
        # On the register since the isolation began: placement checks the person on the contract's start date.
        released_on - timedelta(days=730),
        name=NAMES[seq % len(NAMES)],
        measures=(isolation, {"kind": "community_rehabilitation", "start_on": str(released_on)}),
    )


def handovers_of(system, township, person_id: str, status: str) -> list[dict]:
    response = call(system, "GET", "/api/v1/handovers", township, params={"status": status})
    assert response.status_code == 200, response.text
    return [h for h in response.json()["items"] if h["person_id"] == person_id]


def employer(system, township) -> str:
    return new_employer(system, township, "柳城县大埔镇蔗糖厂", "dapu")


def placement(person_id: str, employer_id: str) -> dict:
    return placement_body(person_id, employer_id, f"DP-{uuid.uuid4().hex[:8]}", date.today() - timedelta(days=1))


def test_a_released_person_waits_on_the_hand_over_list_until_placed(system, township):
    person_id = released_person(system, township, seq=301)
    wait_until(
        lambda: len(handovers_of(system, township, person_id, "pending")) == 1,
        "placement did not pick the release up from the registry's feed",
        system.logs["placement"],
        timeout=30,
    )
    assert handovers_of(system, township, person_id, "pending")[0]["days_waiting"] == 9

    placed = call(system, "POST", "/api/v1/placements", township, json=placement(person_id, employer(system, township)))

    assert placed.status_code == 201, placed.text
    assert placed.json()["jurisdiction_code"] == "dapu"
    [closed] = handovers_of(system, township, person_id, "placed")
    assert closed["placement_id"] == placed.json()["id"]


def test_with_the_registry_stopped_a_placement_is_503_and_nothing_is_written(system, township):
    person_id = released_person(system, township, seq=302)
    employer_id = employer(system, township)
    system.stop("registry")
    try:
        refused = call(system, "POST", "/api/v1/placements", township, json=placement(person_id, employer_id))
        listed = call(system, "GET", "/api/v1/placements", township, params={"person_id": person_id})
    finally:
        system.start("registry")

    assert refused.status_code == 503, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert listed.status_code == 200 and listed.json()["items"] == []
    again = call(system, "POST", "/api/v1/placements", township, json=placement(person_id, employer_id))
    assert again.status_code == 201, again.text
