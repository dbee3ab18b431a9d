"""A paper record of 2012 back-entered through the gateway, and read as of 2013: a Dapu officer registers the person
on their 2012 registration day with their community detox, a detention inside it and a later move to Shapu; the
status on 2013-12-31, the lookup as of a contract's start date and the schema-v2 events all answer from those days."""

from datetime import date

import pytest

from registry.persons.national_id import check_char
from tests.e2e.conftest import call, wait_until
from tests.e2e.steps import new_user

pytestmark = pytest.mark.e2e


def user(system, admin_token: str, department: str, jurisdiction: str | None) -> dict[str, str]:
    return new_user(system, admin_token, f"{department}.hist", department, jurisdiction, display_name="覃华")


def register_on_2012_05_10(system, headers: dict[str, str], name: str, first17: str) -> str:
    """A person of a 2012 paper record registered through the gateway on its registration day; their id."""
    created = call(
        system,
        "POST",
        "/api/v1/persons",
        headers,
        json={
            "name": name,
            "id_number": first17 + check_char(first17),
            "work_ability": "able",
            "registered_on": "2012-05-10",
            "confirm_not_duplicate": True,
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["registered_on"] == "2012-05-10"
    return created.json()["id"]


def test_a_2012_record_back_entered_through_the_gateway_answers_as_of_2013(system, admin_token):
    dapu = user(system, admin_token, "township", "dapu")
    shapu = user(system, admin_token, "township", "shapu")
    nco = user(system, admin_token, "nco", None)
    first17 = f"450222{date(1979, 8, 21):%Y%m%d}731"
    pid = register_on_2012_05_10(system, dapu, "莫某某", first17)
    base = f"/api/v1/persons/{pid}"
    detox = call(system, "POST", f"{base}/measures", dapu, json={"kind": "community_detox", "start_on": "2012-06-01"})
    assert detox.status_code == 201, detox.text
    detention = call(
        system,
        "POST",
        f"{base}/stays",
        dapu,
        json={"kind": "detention", "start_on": "2013-03-01", "end_on": "2013-03-11", "for_drug_use": True},
    )
    assert detention.status_code == 201, detention.text
    proposed = call(
        system,
        "POST",
        "/api/v1/transfers",
        dapu,
        json={"person_id": pid, "to_jurisdiction_code": "shapu", "reason": "随家人迁居", "effective_on": "2013-07-01"},
    )
    assert proposed.status_code == 201, proposed.text
    accepted = call(system, "POST", f"/api/v1/transfers/{proposed.json()['id']}/accept", {**shapu, "If-Match": '"1"'})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["effective_on"] == "2013-07-01"

    year_end = call(system, "GET", f"{base}/status", shapu, params={"as_of": "2013-12-31"})
    assert year_end.status_code == 200, year_end.text
    status = year_end.json()
    assert (status["on_record"], status["jurisdiction_code"], status["under_control"]) == (True, "shapu", True)
    assert status["current_measure"]["kind"] == "community_detox" and status["in_custody_or_facility"] is False
    assert status["consolidated"] is False
    assert status["consolidation_clock"] == {
        "start_on": "2013-03-01",
        "reason": "custody_for_drug_use",
        "consolidated_from": "2016-03-01",
    }
    assert status["definition"]["rule_version"] == "v2" and status["definition"]["consolidation_years"] == 3
    before_the_move = call(system, "GET", f"{base}/status", shapu, params={"as_of": "2013-06-30"}).json()
    assert before_the_move["jurisdiction_code"] == "dapu"

    def lookup(day: str) -> dict:
        answer = call(system, "POST", "/api/v1/persons/lookup", shapu, json={"ids": [pid], "as_of": day})
        assert answer.status_code == 200, answer.text
        return answer.json()["items"][0]

    assert lookup("2013-03-05")["in_custody_or_facility"] is True
    assert lookup("2013-03-05")["eligible_for_placement"] is False
    spring = lookup("2013-04-01")
    assert (spring["eligible_for_placement"], spring["measure_in_force"], spring["jurisdiction_code"]) == (
        True,
        "community_detox",
        "dapu",
    )
    assert [m["start_on"] for m in spring["measures"]] == ["2012-06-01"]

    def feed_has_the_move() -> bool:
        found: list[tuple[str, dict]] = []
        after = None
        while True:
            page = call(
                system,
                "GET",
                "/api/v1/registry-events",
                nco,
                params={"limit": 200, **({"after": after} if after else {})},
            )
            assert page.status_code == 200, page.text
            body = page.json()
            found += [(e["kind"], e["data"]) for e in body["items"] if e["data"].get("person_id") == pid]
            if not body["has_more"]:
                break
            after = body["next_cursor"]
        kinds = [k for k, _ in found]
        if "person.transferred" not in kinds:
            return False
        data = dict(found)
        assert data["person.created"]["registered_on"] == "2012-05-10"
        assert data["person.created"]["birth_date"] == "1979-08-21"
        assert data["stay.recorded"]["for_drug_use"] is True
        assert data["person.transferred"]["effective_on"] == "2013-07-01"
        assert all(d["schema_version"] == 2 for _, d in found)
        return True

    wait_until(feed_has_the_move, "the registry's feed never showed the back-entered history")
