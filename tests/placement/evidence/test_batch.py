"""Batch subsidy evidence (GET /api/v1/subsidy-evidence): many employers of a year in one call, paged by employer,
judged by the single-employer evidence's own rule, with each employer's kind, jurisdiction and Qihang designation in
the year; and who may read it."""

import uuid
from datetime import date

import pytest
from sqlalchemy import text

from placement.evidence.batch import qihang_in_year
from tests.placement.placements.conftest import PLACEMENTS, PROBLEM, contract, placement_body
from tests.placement.projection import project_person

BATCH = "/api/v1/subsidy-evidence"


def single_url(employer_id: str) -> str:
    return f"/api/v1/employers/{employer_id}/subsidy-evidence"


@pytest.fixture
def placed(api, auth, fake_registry, db):
    async def make(employer_id, start, end, person=None, **fields) -> tuple[str, str]:
        if person is None:
            person = fake_registry.add()
            await project_person(db, person, [("community_detox", "2009-01-01", None)])
        body = placement_body(person, employer_id, contract=contract(start, end), **fields)
        response = await api.post(PLACEMENTS, json=body, headers=auth())
        assert response.status_code == 201, response.text
        return person, response.json()["id"]

    return make


@pytest.fixture
def designate(api, auth):
    async def step(employer_id, action, on, **fields):
        body = {"action": action, "effective_on": on} | fields
        if action == "designate":
            body.setdefault("document_number", "柳城政办〔2012〕84号")
        if action in ("suspend", "revoke"):
            body.setdefault("reason", "停产整顿")
        response = await api.post(f"/api/v1/employers/{employer_id}/designations", json=body, headers=auth())
        assert response.status_code == 201, response.text

    return step


async def batch(api, headers, year, **params):
    response = await api.get(BATCH, params={"year": year, **params}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_contract_edges_of_a_year_are_judged_like_the_single_evidence(api, auth, new_employer, placed):
    employer = await new_employer()
    eleven, _ = await placed(employer, "2013-01-01", "2013-11-30")
    twelve, _ = await placed(employer, "2013-01-01", "2013-12-31")
    leap_day, _ = await placed(employer, "2012-02-29", "2013-02-28")
    ended_before, ended_before_id = await placed(employer, "2012-01-01", "2012-12-31")
    starts_last_day, _ = await placed(employer, "2013-12-31", "2014-12-30")
    open_ended, _ = await placed(employer, "2010-06-01", None)

    body = await batch(api, auth(department="finance"), 2013)
    (item,) = body["items"]
    assert (item["employer_id"], item["kind"], item["jurisdiction_code"]) == (employer, "enterprise", "dapu")
    by_person = {c["person_id"]: c for c in item["contracts"]}
    assert ended_before not in by_person  # ran out on 31 Dec of the previous year: no evidence of this one
    assert by_person[eleven]["reasons"] == ["term_under_12_months"] and by_person[eleven]["qualifies"] is False
    assert (by_person[twelve]["term_months"], by_person[twelve]["qualifies"]) == (12, True)
    assert (by_person[leap_day]["term_months"], by_person[leap_day]["qualifies"]) == (12, True)
    assert by_person[leap_day]["in_force_to"] == "2013-02-28"
    assert by_person[starts_last_day]["days_in_force_in_year"] == 1 and by_person[starts_last_day]["qualifies"]
    assert by_person[open_ended]["days_in_force_in_year"] == 365
    assert all(c["person_jurisdiction_code"] == "dapu" for c in item["contracts"])
    assert (item["headcount"], item["tier"]) == (4, "under_50")
    assert body["total_employers"] == 1 and body["next_cursor"] is None and body["missing"] == []
    previous_year = await batch(api, auth(), 2012)
    assert ended_before_id in {c["placement_id"] for c in previous_year["items"][0]["contracts"]}

    # The same rule as the single-employer evidence, contract by contract.
    single = (await api.get(single_url(employer), params={"year": 2013}, headers=auth())).json()
    assert body["definition"] == single["definition"]
    assert item["headcount"] == single["headcount"] and item["tier"] == single["tier"]
    single_reasons = {c["placement_id"]: c["reasons"] for c in single["non_qualifying"]}
    single_reasons |= {c["placement_id"]: [] for p in single["qualifying"] for c in p["contracts"]}
    assert {c["placement_id"]: c["reasons"] for c in item["contracts"]} == single_reasons
    fields = set(single["non_qualifying"][0]) - {"reasons"}
    single_contracts = {c["placement_id"]: c for c in single["non_qualifying"]} | {
        c["placement_id"]: c for p in single["qualifying"] for c in p["contracts"]
    }
    for contract_evidence in item["contracts"]:
        assert {f: contract_evidence[f] for f in fields} == {
            f: single_contracts[contract_evidence["placement_id"]][f] for f in fields
        }


async def test_a_designation_lapsing_mid_year_is_held_in_that_year_and_not_after(
    api, auth, new_employer, placed, designate
):
    lapsing = await new_employer()
    await designate(lapsing, "designate", "2012-05-15")
    await designate(lapsing, "revoke", "2013-06-30")
    suspended = await new_employer(name="柳城县启航服装加工厂")
    await designate(suspended, "designate", "2012-01-01")
    await designate(suspended, "suspend", "2013-03-01")
    await designate(suspended, "reinstate", "2013-06-01")
    never = await new_employer(name="柳城县个体饭店", kind="individual_business")
    for employer in (lapsing, suspended, never):
        await placed(employer, "2012-06-01", None)

    def qihang(body):
        return {i["employer_id"]: i["qihang"] for i in body["items"]}

    in_2013 = qihang(await batch(api, auth(), 2013))
    assert in_2013[lapsing] == {
        "held_in_year": True,
        "days_in_year": 180,
        "periods": [{"from_on": "2013-01-01", "to_on": "2013-06-29"}],
    }
    assert in_2013[suspended]["periods"] == [
        {"from_on": "2013-01-01", "to_on": "2013-02-28"},
        {"from_on": "2013-06-01", "to_on": "2013-12-31"},
    ]
    assert in_2013[never] == {"held_in_year": False, "days_in_year": 0, "periods": []}
    in_2014 = qihang(await batch(api, auth(), 2014))
    assert in_2014[lapsing]["held_in_year"] is False
    assert in_2014[suspended]["days_in_year"] == 365
    in_2012 = qihang(await batch(api, auth(), 2012))
    assert in_2012[lapsing]["periods"] == [{"from_on": "2012-05-15", "to_on": "2012-12-31"}]
    kinds = {i["employer_id"]: i["kind"] for i in (await batch(api, auth(), 2013))["items"]}
    assert kinds[never] == "individual_business"


def test_a_step_replaced_on_its_own_day_holds_no_day():
    steps = [(date(2013, 5, 1), "active"), (date(2013, 5, 1), "suspended")]
    assert qihang_in_year(steps, 2013).held_in_year is False


async def test_pages_through_every_employer_with_evidence_or_only_those_asked_for(
    api, auth, new_employer, placed, service_auth
):
    employers = []
    for n in range(5):
        employer = await new_employer(name=f"柳城县第{n}缫丝厂")
        await placed(employer, "2013-03-01", "2014-02-28")
        employers.append(employer)
    without_evidence = await new_employer(name="柳城县空壳公司")
    only_earlier = await new_employer(name="柳城县旧厂")
    await placed(only_earlier, "2010-01-01", "2010-12-31")

    seen, cursor, first = [], None, None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = await batch(api, service_auth(), 2013, **params)
        first = first or page
        assert len(page["items"]) <= 2
        seen += [i["employer_id"] for i in page["items"]]
        if page["total_employers"] is not None:
            assert page is first
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(employers)
    assert first["total_employers"] == 5

    unknown = str(uuid.uuid4())
    asked = await batch(api, auth(), 2013, employer_id=[employers[3], without_evidence, unknown, employers[3]])
    assert {i["employer_id"] for i in asked["items"]} == {employers[3], without_evidence}
    assert next(i for i in asked["items"] if i["employer_id"] == without_evidence)["contracts"] == []
    assert asked["missing"] == [unknown]
    assert asked["total_employers"] == 2


async def test_the_read_is_audited_with_the_people_it_names(api, auth, new_employer, placed, db):
    employer = await new_employer()
    person, _ = await placed(employer, "2013-01-01", "2013-12-31")
    await batch(api, auth(department="human_resources"), 2013)
    audited = (
        await db.execute(
            text(
                "SELECT resource_ids FROM audit_log WHERE operation = 'placement.subsidy_evidence.batch_read' "
                "ORDER BY id DESC LIMIT 1"
            )
        )
    ).scalar_one()
    assert [str(i) for i in audited] == [person]


async def test_only_the_subsidy_service_and_county_staff_read_the_batch(api, auth, new_employer, evidence_readers):
    employer = await new_employer()
    for headers, expected in evidence_readers(employer):
        response = await api.get(BATCH, params={"year": 2013}, headers=headers)
        assert response.status_code == expected, response.text
    for params in ({}, {"year": 2011}, {"year": 2013, "limit": 201}, {"year": 2013, "employer_id": "x"}):
        bad = await api.get(BATCH, params=params, headers=auth())
        assert bad.status_code == 422 and bad.headers["content-type"] == PROBLEM
    too_many = await api.get(
        BATCH, params={"year": 2013, "employer_id": [str(uuid.uuid4()) for _ in range(101)]}, headers=auth()
    )
    assert too_many.status_code == 422
    cursor = await api.get(BATCH, params={"year": 2013, "cursor": "nonsense"}, headers=auth())
    assert (cursor.status_code, cursor.json()["code"]) == (400, "invalid_cursor")
