"""Custody and facility stays through the API: inside the register, overlapping a community measure without ending it,
ended and withdrawn once, events; bad input refused with nothing written."""

import pytest

from tests.dates import TOMORROW, resolved
from tests.registry.history.conftest import problem


async def test_a_detention_inside_a_rehabilitation_order_does_not_end_it(
    registry, auth, person, add_measure, stay, status, events_of
):
    pid = await person(501, registered_on="2012-01-10")
    await add_measure(pid, "community_rehabilitation", "2012-03-01")
    held = await stay(pid, "detention", "2013-05-02", for_drug_use=True, place="柳城县拘留所")
    assert held.status_code == 201, held.text
    assert (held.json()["kind_label_zh"], held.json()["end_on"]) == ("拘留", None)
    ended = await registry.post(
        f"/api/v1/persons/{pid}/stays/{held.json()['id']}/end", json={"end_on": "2013-05-17"}, headers=auth()
    )
    assert ended.status_code == 200, ended.text

    inside = await status(pid, "2013-05-10")
    assert (inside["in_custody_or_facility"], inside["under_control"], inside["community_measure_in_force"]) == (
        True,
        True,
        True,
    )
    assert inside["current_measure"]["kind"] == "community_rehabilitation"
    assert [s["kind"] for s in inside["stays"]] == ["detention"] and inside["eligible_for_placement"] is False
    out = await status(pid, "2013-05-17")
    assert out["in_custody_or_facility"] is False and out["eligible_for_placement"] is True
    # Custody for drug use restarts the consolidation clock.
    assert out["consolidation_clock"] == {
        "start_on": "2013-05-02",
        "reason": "custody_for_drug_use",
        "consolidated_from": "2016-05-02",
    }
    kinds = [(k, d.get("end_on")) for k, d in await events_of(pid) if k.startswith("stay.")]
    assert kinds == [("stay.recorded", None), ("stay.ended", "2013-05-17")]
    assert "拘留所" not in str(await events_of(pid))


async def test_a_withdrawn_stay_no_longer_counts(registry, auth, person, add_measure, stay, status):
    pid = await person(503, registered_on="2012-01-10")
    await add_measure(pid, "community_detox", "2012-03-01")
    wrong = (await stay(pid, "hospital", "2013-01-01")).json()
    withdrawn = await registry.post(
        f"/api/v1/persons/{pid}/stays/{wrong['id']}/withdrawal", json={"reason": "录错人"}, headers=auth()
    )
    assert withdrawn.status_code == 200 and withdrawn.json()["standing"] is False
    assert (await status(pid, "2013-06-01"))["in_custody_or_facility"] is False
    problem(
        await registry.post(
            f"/api/v1/persons/{pid}/stays/{wrong['id']}/end", json={"end_on": "2013-02-01"}, headers=auth()
        ),
        409,
        "already_withdrawn",
    )


BAD = [
    (
        "before registration: outside the register",
        [],
        ("detention", "2011-12-20", "2012-01-05", {}),
        409,
        "outside_register",
    ),
    (
        "after a departure: outside the register",
        [("left", "2013-01-01", "moved_out_of_county")],
        ("hospital", "2013-02-01", None, {}),
        409,
        "outside_register",
    ),
    ("starting in the future", [], ("hospital", TOMORROW, None, {}), 422, "validation_error"),
    ("ending before it starts", [], ("hospital", "2013-02-01", "2013-01-01", {}), 422, "validation_error"),
    (
        "a hospital stay for drug use",
        [],
        ("hospital", "2013-02-01", None, {"for_drug_use": True}),
        422,
        "validation_error",
    ),
    ("an unknown kind", [], ("prison_camp", "2013-02-01", None, {}), 422, "validation_error"),
]


@pytest.mark.parametrize(("case", "before", "attempt", "status_code", "code"), BAD, ids=[c[0] for c in BAD])
async def test_bad_stays_are_refused_and_write_nothing(
    person, stay, change, written, case, before, attempt, status_code, code
):
    pid = await person(510, registered_on="2012-01-10")
    for kind, day, reason in before:
        assert (await change(pid, kind, day, reason)).status_code == 201
    counts = await written(pid)
    kind, start, end, extra = attempt
    problem(await stay(pid, kind, resolved(start), resolved(end), **extra), status_code, code)
    assert await written(pid) == counts


async def test_two_stays_of_one_kind_cannot_overlap_but_of_two_kinds_can(person, stay, written):
    pid = await person(512, registered_on="2012-01-10")
    assert (await stay(pid, "detention", "2013-05-02", "2013-05-17")).status_code == 201
    counts = await written(pid)
    problem(await stay(pid, "detention", "2013-05-10", "2013-05-20"), 409, "overlapping_stay")
    assert await written(pid) == counts
    assert (await stay(pid, "hospital", "2013-05-10", "2013-05-12")).status_code == 201  # a hospital stay in custody
    assert (await stay(pid, "detention", "2013-05-17", "2013-05-20")).status_code == 201  # starts the day of release


async def test_a_stay_ends_once_inside_the_register(registry, auth, person, stay, change):
    pid = await person(514, registered_on="2012-01-10")
    held = (await stay(pid, "criminal_custody", "2013-03-01")).json()
    url = f"/api/v1/persons/{pid}/stays/{held['id']}/end"
    problem(await registry.post(url, json={"end_on": "2013-02-01"}, headers=auth()), 422, "validation_error")
    problem(await registry.post(url, json={"end_on": resolved(TOMORROW)}, headers=auth()), 422, "validation_error")
    assert (await registry.post(url, json={"end_on": "2013-09-01"}, headers=auth())).status_code == 200
    problem(await registry.post(url, json={"end_on": "2013-10-01"}, headers=auth()), 409, "stay_already_ended")
