"""The person list's filters on what lies beside the record: the control measure in force today and the support
team today (both also used by the exports through persons.filters.person_filters)."""

from datetime import date, timedelta
from typing import get_args

import pytest
from sqlalchemy import text

from registry.measures.rules import CONTROL_KINDS
from registry.persons.filters import MeasureFilter

LIST = "/api/v1/persons"


@pytest.fixture
def db_session(registry_and_session):
    return registry_and_session[1]


def names(response) -> list[str]:
    assert response.status_code == 200, response.text
    return sorted(p["name"] for p in response.json()["items"])


async def _measure(registry, auth, pid: str, kind: str, start_on: date, **fields) -> dict:
    body = {"kind": kind, "start_on": str(start_on), **{k: str(v) for k, v in fields.items()}}
    response = await registry.post(f"/api/v1/persons/{pid}/measures", json=body, headers=auth())
    assert response.status_code == 201, response.text
    return response.json()


async def _member(registry, auth, pid: str, name: str, from_on: date, role: str = "drug_control_worker") -> dict:
    body = {"role": role, "name": name, "from_on": str(from_on)}
    response = await registry.post(f"/api/v1/persons/{pid}/support-team", json=body, headers=auth())
    assert response.status_code == 201, response.text
    return response.json()


def test_the_measure_filter_offers_exactly_the_control_measures_and_none():
    assert set(get_args(MeasureFilter)) == CONTROL_KINDS | {"none"}


async def test_measure_filter_matches_the_measure_in_force_today(registry, auth, new_person):
    detox = (await new_person(name="滤戒毒", seq=501, confirm_not_duplicate=True))["id"]
    rehab = (await new_person(name="滤康复", seq=503, confirm_not_duplicate=True))["id"]
    ended = (await new_person(name="滤期满", seq=505, confirm_not_duplicate=True))["id"]
    corrected = (await new_person(name="滤更正", seq=507, confirm_not_duplicate=True))["id"]
    nothing = (await new_person(name="滤无措施", seq=509, confirm_not_duplicate=True))["id"]
    voluntary = (await new_person(name="滤自愿", seq=511, confirm_not_duplicate=True))["id"]
    start = date.today() - timedelta(days=200)
    await _measure(registry, auth, detox, "community_detox", start)
    await _measure(registry, auth, rehab, "community_rehabilitation", start)
    # Ended today: an end date belongs to what follows, so not in force today.
    await _measure(registry, auth, ended, "community_detox", start, actual_end_on=date.today(), end_reason="completed")
    # Entered as community detox, corrected to community rehabilitation: only the correction is in force.
    wrong = await _measure(registry, auth, corrected, "community_detox", start)
    fix = await registry.post(
        f"/api/v1/persons/{corrected}/measures/{wrong['id']}/corrections",
        json={"kind": "community_rehabilitation", "start_on": str(start), "reason": "措施种类录入错误"},
        headers=auth(),
    )
    assert fix.status_code == 201, fix.text
    await _measure(registry, auth, voluntary, "voluntary_detox", start)
    assert nothing

    def listing(measure: str):
        return registry.get(LIST, params={"q": "滤", "measure": measure}, headers=auth())

    assert names(await listing("community_detox")) == ["滤戒毒"]
    assert names(await listing("community_rehabilitation")) == sorted(["滤康复", "滤更正"])
    assert names(await listing("compulsory_isolation")) == []
    # A voluntary detox agreement is not a control measure: that person is under none.
    assert names(await listing("none")) == sorted(["滤期满", "滤无措施", "滤自愿"])
    # The filter agrees with each person's derived status.
    for pid in (detox, rehab, ended, corrected, nothing, voluntary):
        status = await registry.get(
            f"/api/v1/persons/{pid}/status", params={"as_of": str(date.today())}, headers=auth()
        )
        current = status.json()["current_measure"]
        kind = current["kind"] if current else "none"
        person_name = (await registry.get(f"/api/v1/persons/{pid}", headers=auth())).json()["name"]
        assert person_name in names(await listing(kind))


async def test_a_measure_starting_in_the_future_is_not_in_force(registry, auth, new_person, db_session):
    pid = (await new_person(name="滤将来", seq=513, confirm_not_duplicate=True))["id"]
    # The API refuses a future start; a row written straight into the table shows the filter's date logic.
    await db_session.execute(
        text(
            "INSERT INTO control_measure (id, person_id, kind, start_on, created_by) "
            "VALUES (gen_random_uuid(), CAST(:pid AS uuid), 'community_detox', :start, 'test')"
        ),
        {"pid": pid, "start": date.today() + timedelta(days=1)},
    )
    listed = await registry.get(LIST, params={"q": "滤将来", "measure": "community_detox"}, headers=auth())
    assert names(listed) == []
    assert names(await registry.get(LIST, params={"q": "滤将来", "measure": "none"}, headers=auth())) == ["滤将来"]


async def test_support_worker_filter_matches_current_team_members_by_name(registry, auth, new_person):
    qin = (await new_person(name="帮甲", seq=521, confirm_not_duplicate=True))["id"]
    left = (await new_person(name="帮乙", seq=523, confirm_not_duplicate=True))["id"]
    other = (await new_person(name="帮丙", seq=525, confirm_not_duplicate=True))["id"]
    start = date.today() - timedelta(days=100)
    await _member(registry, auth, qin, "覃社工", start)
    gone = await _member(registry, auth, left, "覃社工", start)
    leave = await registry.post(
        f"/api/v1/persons/{left}/support-team/{gone['id']}/leave",
        json={"to_on": str(date.today() - timedelta(days=1))},
        headers=auth(),
    )
    assert leave.status_code == 200, leave.text
    await _member(registry, auth, other, "黄民警", start, role="community_police")
    # LIKE wildcards are matched literally.
    await _member(registry, auth, other, "100%_志愿者", start, role="volunteer")

    def listing(worker: str):
        return registry.get(LIST, params={"q": "帮", "support_worker": worker}, headers=auth())

    assert names(await listing("覃")) == ["帮甲"]
    assert names(await listing("社工")) == ["帮甲"]
    assert names(await listing("民警")) == ["帮丙"]
    assert names(await listing("%_")) == ["帮丙"]
    assert names(await listing("%")) == ["帮丙"]
    assert names(await listing("_")) == ["帮丙"]
    assert names(await listing("王")) == []


async def test_filters_combine_and_respect_the_jurisdiction(registry, auth, new_person):
    start = date.today() - timedelta(days=50)
    here = (await new_person(name="合大埔", seq=531, confirm_not_duplicate=True))["id"]
    there = (await new_person(name="合沙埔", seq=533, jurisdiction_code="shapu", confirm_not_duplicate=True))["id"]
    plain = (await new_person(name="合无队", seq=535, confirm_not_duplicate=True))["id"]
    for pid in (here, there, plain):
        await _measure(registry, auth, pid, "community_rehabilitation", start)
    for pid in (here, there):
        await _member(registry, auth, pid, "覃社工", start)
    params = {"q": "合", "measure": "community_rehabilitation", "support_worker": "覃"}
    assert names(await registry.get(LIST, params=params, headers=auth())) == sorted(["合大埔", "合沙埔"])
    dapu = auth(department="township", jurisdiction="dapu")
    assert names(await registry.get(LIST, params=params, headers=dapu)) == ["合大埔"]
    paged = await registry.get(LIST, params={**params, "limit": 1}, headers=auth())
    assert len(paged.json()["items"]) == 1
    rest = await registry.get(
        LIST, params={**params, "limit": 1, "cursor": paged.json()["next_cursor"]}, headers=auth()
    )
    assert names(paged) + names(rest) == sorted(["合大埔", "合沙埔"])
    assert rest.json()["next_cursor"] is None


async def test_bad_filter_values_are_refused(registry, auth):
    bad_measure = await registry.get(LIST, params={"measure": "voluntary_detox"}, headers=auth())
    assert bad_measure.status_code == 422
    assert bad_measure.headers["content-type"] == "application/problem+json"
    assert bad_measure.json()["errors"][0]["field"] == "query.measure"
    empty = await registry.get(LIST, params={"support_worker": ""}, headers=auth())
    too_long = await registry.get(LIST, params={"support_worker": "覃" * 51}, headers=auth())
    assert (empty.status_code, too_long.status_code) == (422, 422)
