"""A 2012 paper record back-entered through the gateway and placed on its own dates: a Dapu officer registers the
person on their 2012 registration day with a 2012-2015 community detox and places them on a 2012 contract (checked
on its start date, though the detox has ended since); a contract dated before the detox is refused with the measure
history named; the status on 2013-12-31 and the 2013 subsidy evidence answer from those days; the person's death
recorded in 2016 reaches placement through the registry's feed and ends the placement, naming the event."""

from datetime import date

import httpx
import pytest

from tests.e2e.conftest import call, new_employer, wait_until
from tests.e2e.test_registry_history import register_on_2012_05_10, user

pytestmark = pytest.mark.e2e


def contract(start: str, number: str) -> dict:
    return {
        "number": number,
        "signed_on": start,
        "start_on": start,
        "end_on": None,
        "open_ended": True,
        "monthly_wage": "1200.00",
    }


def test_a_2012_placement_back_entered_through_the_gateway_is_checked_on_its_start_date(system, admin_token):
    dapu = user(system, admin_token, "township", "dapu")
    nco = user(system, admin_token, "nco", None)
    first17 = f"450222{date(1981, 2, 14):%Y%m%d}512"
    pid = register_on_2012_05_10(system, dapu, "韦某某", first17)
    base = f"/api/v1/persons/{pid}"
    detox = call(
        system,
        "POST",
        f"{base}/measures",
        dapu,
        json={
            "kind": "community_detox",
            "start_on": "2012-06-01",
            "actual_end_on": "2015-06-01",
            "end_reason": "completed",
        },
    )
    assert detox.status_code == 201, detox.text
    employer_id = new_employer(system, dapu, "柳城县大埔镇糖厂", "dapu")

    def place(start: str, number: str) -> httpx.Response:
        body = {
            "person_id": pid,
            "route": "centralised",
            "employer_id": employer_id,
            "contract": contract(start, number),
        }
        return call(system, "POST", "/api/v1/placements", dapu, json=body)

    too_early = place("2012-05-20", "DP-2012-0001")
    assert too_early.status_code == 409, too_early.text
    assert too_early.json()["code"] == "person_not_placeable"
    detail = too_early.json()["detail"]
    assert "on 2012-05-20" in detail and "community_detox from 2012-06-01, ended 2015-06-01 (completed)" in detail
    assert "韦某某" not in detail and first17 not in detail

    placed = place("2012-07-01", "DP-2012-0002")
    assert placed.status_code == 201, placed.text
    placement = placed.json()
    assert (placement["eligibility_checked_on"], placement["eligibility_rule"]) == ("2012-07-01", "placeable-v2")
    assert placement["jurisdiction_code"] == "dapu"

    year_end = call(system, "GET", f"{base}/status", dapu, params={"as_of": "2013-12-31"})
    assert year_end.status_code == 200, year_end.text
    status = year_end.json()
    assert (status["on_record"], status["under_control"]) == (True, True)
    assert status["current_measure"]["kind"] == "community_detox"

    evidence_url = f"/api/v1/employers/{employer_id}/subsidy-evidence"

    def evidence_counts_the_contract() -> bool:
        answer = call(system, "GET", evidence_url, nco, params={"year": 2013})
        assert answer.status_code == 200, answer.text
        return answer.json()["headcount"] == 1

    wait_until(
        evidence_counts_the_contract, "the 2013 evidence never counted the 2012 contract", system.logs["placement"]
    )
    evidence = call(system, "GET", evidence_url, nco, params={"year": 2013}).json()
    counted = evidence["qualifying"][0]["contracts"][0]
    assert (counted["placement_id"], counted["programme_at_start"]) == (placement["id"], "community_detox")
    assert counted["days_in_force_in_year"] == 365

    died = call(
        system,
        "POST",
        f"{base}/register-changes",
        dapu,
        json={"kind": "left", "effective_on": "2016-03-01", "reason_code": "died"},
    )
    assert died.status_code == 201, died.text
    url = f"/api/v1/placements/{placement['id']}"

    def ended_by_the_registry() -> bool:
        read = call(system, "GET", url, dapu)
        assert read.status_code == 200, read.text
        return read.json()["status"] == "ended"

    wait_until(ended_by_the_registry, "the death never ended the placement", system.logs["placement"])
    ended = call(system, "GET", url, dapu).json()
    assert (ended["ended_on"], ended["end_reason"]) == ("2016-02-29", "died")
    assert ended["ended_by_registry_event"]["kind"] == "person.archived"
    assert ended["ended_by_registry_event"]["event_id"] > 0
