"""Who sees and changes which placements: role × department × own/other jurisdiction, employers' clients and the
platform's services. What is outside a caller's limits does not exist for them (404), in lists too."""

import pytest

from tests.placement.placements.conftest import PLACEMENTS, placement_body


@pytest.fixture
async def two_placements(api, auth, new_employer, fake_registry):
    """(employer in Dapu, placement of a Dapu person there, employer in Shapu, placement of a Shapu person there)."""
    dapu_employer = await new_employer("dapu")
    shapu_employer = await new_employer("shapu", name="沙埔服装厂")
    dapu = await api.post(PLACEMENTS, json=placement_body(fake_registry.add(), dapu_employer), headers=auth())
    shapu = await api.post(
        PLACEMENTS, json=placement_body(fake_registry.add(jurisdiction_code="shapu"), shapu_employer), headers=auth()
    )
    assert dapu.status_code == shapu.status_code == 201
    return dapu_employer, dapu.json(), shapu_employer, shapu.json()


def caller(name, auth, employer_client, service_auth, dapu_employer):
    return {
        "nco staff": lambda: auth(department="nco"),
        "human_resources viewer": lambda: auth(department="human_resources", roles=["viewer"]),
        "township dapu staff": lambda: auth(department="township", jurisdiction="dapu"),
        "township dapu viewer": lambda: auth(department="township", jurisdiction="dapu", roles=["viewer"]),
        "employer client of the dapu employer": lambda: employer_client(dapu_employer),
        "service client": service_auth,
        "finance staff": lambda: auth(department="finance"),
        "police staff": lambda: auth(department="police"),
        "nco without placement scopes": lambda: auth(department="nco", scopes=["registry:read"]),
    }[name]()


# caller -> (which placements it lists, status reading the Dapu one, the Shapu one, may it place a Dapu person)
MATRIX = {
    "nco staff": ({"dapu", "shapu"}, 200, 200, 201),
    "human_resources viewer": ({"dapu", "shapu"}, 200, 200, 403),
    "township dapu staff": ({"dapu"}, 200, 404, 201),
    "township dapu viewer": ({"dapu"}, 200, 404, 403),
    "employer client of the dapu employer": ({"dapu"}, 200, 404, 403),
    "service client": ({"dapu", "shapu"}, 200, 200, 403),
    "finance staff": (None, 403, 403, 403),
    "police staff": (None, 403, 403, 403),
    "nco without placement scopes": (None, 403, 403, 403),
}


@pytest.mark.parametrize("name", list(MATRIX))
async def test_placement_access_matrix(name, api, auth, employer_client, service_auth, two_placements, fake_registry):
    dapu_employer, dapu, _shapu_employer, shapu = two_placements
    listed, read_dapu, read_shapu, create = MATRIX[name]
    headers = caller(name, auth, employer_client, service_auth, dapu_employer)

    page = await api.get(PLACEMENTS, headers=headers)
    if listed is None:
        assert page.status_code == 403
    else:
        assert page.status_code == 200, page.text
        by_id = {dapu["id"]: "dapu", shapu["id"]: "shapu"}
        assert {by_id[p["id"]] for p in page.json()["items"]} == listed
    assert (await api.get(f"{PLACEMENTS}/{dapu['id']}", headers=headers)).status_code == read_dapu
    assert (await api.get(f"{PLACEMENTS}/{shapu['id']}", headers=headers)).status_code == read_shapu
    created = await api.post(PLACEMENTS, json=placement_body(fake_registry.add(), dapu_employer), headers=headers)
    assert created.status_code == create, created.text


async def test_township_staff_cannot_place_end_or_follow_up_another_jurisdictions_people(
    api, auth, fake_registry, two_placements
):
    dapu_employer, _dapu, _shapu_employer, shapu = two_placements
    dapu_staff = auth(department="township", jurisdiction="dapu")

    placed = await api.post(
        PLACEMENTS, json=placement_body(fake_registry.add(jurisdiction_code="shapu"), dapu_employer), headers=dapu_staff
    )
    ended = await api.post(
        f"{PLACEMENTS}/{shapu['id']}/end",
        json={"ended_on": "2026-06-30", "reason": "resigned"},
        headers=dapu_staff | {"If-Match": "*"},
    )
    followed = await api.put(
        f"{PLACEMENTS}/{shapu['id']}/follow-ups/3",
        json={"done_on": "2026-04-01", "still_working": True},
        headers=dapu_staff | {"If-Match": "*"},
    )

    assert (placed.status_code, placed.json()["code"]) == (404, "person_not_found")
    assert ended.status_code == followed.status_code == 404
    assert "shapu" not in placed.text and shapu["person_id"] not in placed.text


async def test_filters_never_widen_what_a_caller_sees(api, auth, two_placements):
    _dapu_employer, _dapu, shapu_employer, _shapu = two_placements
    dapu_staff = auth(department="township", jurisdiction="dapu")

    by_jurisdiction = await api.get(PLACEMENTS, params={"jurisdiction_code": "shapu"}, headers=dapu_staff)
    by_employer = await api.get(PLACEMENTS, params={"employer_id": shapu_employer}, headers=dapu_staff)

    assert by_jurisdiction.json()["items"] == by_employer.json()["items"] == []
