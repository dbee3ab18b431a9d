"""Placeability is checked on the placement's start date (rule placeable-v2): the registry is asked with as_of = the
start (today when it starts later), the answer names the day and the rule, and a refusal names the measure history
(kinds and dates only)."""

from datetime import date, timedelta

import pytest
from sqlalchemy import text

from tests.placement.placements.conftest import PLACEMENTS, PROBLEM, contract, placement_body

DETOX = ("community_detox", date(2012, 3, 1), date(2015, 3, 1), "completed")
HISTORY = "community_detox from 2012-03-01, ended 2015-03-01 (completed)"


@pytest.mark.parametrize(
    ("start_on", "status", "why"),
    [
        (date(2012, 2, 29), 409, "not under community detox or rehabilitation on 2012-02-29"),
        (date(2012, 3, 1), 201, None),  # the day the measure starts
        (date(2013, 6, 1), 201, None),  # a 2012-2015 detox: a 2013 contract is placeable though it ended since
        (date(2015, 2, 28), 201, None),  # its last day
        (date(2015, 3, 1), 409, "not under community detox or rehabilitation on 2015-03-01"),  # the day it ended
    ],
)
async def test_a_back_dated_contract_is_checked_on_its_own_start_date(
    api, auth, new_employer, fake_registry, db, start_on, status, why
):
    employer_id = await new_employer()
    # Today the person is under no measure: the v1 rule (today's facts) refused every one of these.
    person_id = fake_registry.add(current_measure=None, measures=[DETOX])
    body = placement_body(person_id, employer_id, contract=contract(start_on, start_on + timedelta(days=364)))

    response = await api.post(PLACEMENTS, json=body, headers=auth())

    assert response.status_code == status, response.text
    assert fake_registry.calls[-1]["as_of"] == str(start_on)
    assert fake_registry.calls[-2]["as_of"] is None  # who the person is for the caller, and where, today
    if status == 201:
        placed = response.json()
        assert (placed["eligibility_checked_on"], placed["eligibility_rule"]) == (str(start_on), "placeable-v2")
        event = (await db.execute(text("SELECT data FROM outbox_event WHERE kind = 'placement.started'"))).scalar_one()
        assert event["eligibility_checked_on"] == str(start_on) and event["schema_version"] == 2
    else:
        assert response.headers["content-type"] == PROBLEM
        problem = response.json()
        assert problem["code"] == "person_not_placeable"
        assert why in problem["detail"] and f"Measure history: {HISTORY}." in problem["detail"]
        assert await db.scalar(text("SELECT count(*) FROM placement")) == 0


@pytest.mark.parametrize(
    ("start_on", "status", "why"),
    [
        (date(2013, 5, 10), 409, "in custody or a facility on 2013-05-10"),  # a detention inside the rehabilitation
        (date(2013, 5, 20), 201, None),  # released that day: out on the day of release
        (date(2014, 1, 1), 409, "not on the register on 2014-01-01"),  # died: off the register that day
    ],
)
async def test_custody_and_leaving_the_register_on_the_start_date_refuse_it(
    api, auth, new_employer, fake_registry, start_on, status, why
):
    employer_id = await new_employer()
    rehab = ("community_rehabilitation", date(2012, 1, 1), date(2014, 1, 1), "death")
    person_id = fake_registry.add(
        status="archived",
        current_measure=None,
        measures=[rehab],
        stays=[(date(2013, 5, 10), date(2013, 5, 20))],
        off_register_on=date(2014, 1, 1),
    )
    body = placement_body(person_id, employer_id, contract=contract(start_on, start_on + timedelta(days=30)))

    response = await api.post(PLACEMENTS, json=body, headers=auth())

    assert response.status_code == status, response.text
    if why is not None:
        assert why in response.json()["detail"]


async def test_a_placement_starting_later_is_checked_today_in_one_lookup(api, auth, new_employer, fake_registry):
    employer_id = await new_employer()
    person_id = fake_registry.add()
    start_on = date.today() + timedelta(days=10)

    response = await api.post(
        PLACEMENTS,
        json=placement_body(person_id, employer_id, contract=contract(start_on, start_on + timedelta(days=364))),
        headers=auth(),
    )

    assert response.status_code == 201, response.text
    assert response.json()["eligibility_checked_on"] == str(date.today())
    assert len(fake_registry.calls) == 1 and fake_registry.calls[0]["as_of"] is None


async def test_the_jurisdiction_kept_is_todays_not_the_start_dates(api, auth, new_employer, fake_registry):
    """The lookup as of the start names that day's jurisdiction; the placement keeps where the person is now, which
    township lists filter on."""
    employer_id = await new_employer()
    person_id = fake_registry.add(jurisdiction_code="shapu", current_measure=None, measures=[DETOX])
    fake_registry.dated[person_id]["jurisdiction_before"] = ("dapu", date(2020, 1, 1))

    response = await api.post(
        PLACEMENTS,
        json=placement_body(person_id, employer_id, contract=contract("2013-01-01", "2013-12-31")),
        headers=auth(jurisdiction="shapu", department="township"),
    )

    assert response.status_code == 201, response.text
    assert response.json()["jurisdiction_code"] == "shapu"
