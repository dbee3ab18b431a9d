"""GET /api/v1/placement-sites/count: the placement points open on a day, what the "≥3 within three years"
target reads."""

import pytest

from tests.placement.employers.conftest import PROBLEM, SITES

COUNT = f"{SITES}/count"


@pytest.fixture
async def county_sites(new_employer, new_site, close):
    """Dapu: a point from 2012-05-15 (closed 2014-07-01) and a base from 2012-03-01; Shapu: points from 2013-01-01
    and 2014-06-30; Dongquan: a point from 2014-12-31."""
    dapu = await new_employer(name="鹏鑫源", jurisdiction_code="dapu")
    shapu = await new_employer(name="沙埔木业", jurisdiction_code="shapu")
    dongquan = await new_employer(name="东泉制衣", jurisdiction_code="dongquan")
    first = await new_site(dapu["id"], designated_on="2012-05-15")
    await new_site(dapu["id"], kind="base", designated_on="2012-03-01")
    await new_site(shapu["id"], designated_on="2013-01-01", mode="dispersed")
    await new_site(shapu["id"], designated_on="2014-06-30")
    await new_site(dongquan["id"], designated_on="2014-12-31")
    assert (await close(first, "2014-07-01")).status_code == 200
    return {"dapu": dapu, "shapu": shapu, "dongquan": dongquan}


async def count(placement, headers, **params) -> dict:
    response = await placement.get(COUNT, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        ("2012-05-14", 0),
        ("2012-05-15", 1),
        ("2013-01-01", 2),
        ("2014-06-30", 3),
        ("2014-07-01", 2),  # the Dapu point closed that day
        ("2014-12-31", 3),
    ],
)
async def test_counts_points_designated_and_not_closed_on_the_day(placement, auth, county_sites, on, expected):
    answer = await count(placement, auth(), on=on)
    assert (answer["on"], answer["kind"], answer["jurisdiction_code"], answer["count"]) == (on, "point", None, expected)
    assert sum(j["count"] for j in answer["by_jurisdiction"]) == expected
    assert "designated_on" in answer["definition"]


async def test_splits_by_jurisdiction_and_counts_bases_on_request(placement, auth, county_sites):
    answer = await count(placement, auth(), on="2014-12-31")
    assert answer["by_jurisdiction"] == [
        {"jurisdiction_code": "dongquan", "jurisdiction_name_zh": "东泉镇", "count": 1},
        {"jurisdiction_code": "shapu", "jurisdiction_name_zh": "沙埔镇", "count": 2},
    ]
    assert (await count(placement, auth(), on="2014-12-31", jurisdiction_code="shapu"))["count"] == 2
    assert (await count(placement, auth(), on="2014-12-31", jurisdiction_code="dapu"))["count"] == 0
    assert (await count(placement, auth(), on="2014-12-31", kind="base"))["count"] == 1


async def test_township_staff_count_only_their_own_jurisdiction(placement, auth, county_sites):
    shapu = auth("township", "shapu")
    assert (await count(placement, shapu, on="2014-12-31"))["count"] == 2
    asked_for_dongquan = await count(placement, shapu, on="2014-12-31", jurisdiction_code="dongquan")
    assert (asked_for_dongquan["count"], asked_for_dongquan["by_jurisdiction"]) == (0, [])


async def test_an_employers_system_counts_only_its_own_sites(placement, make_token, county_sites):
    shapu = county_sites["shapu"]["id"]
    shapu_client = make_token(
        roles=["integration"], department=None, scopes=["placement:read"], kind="client", emp=shapu
    )
    answer = await count(placement, {"Authorization": f"Bearer {shapu_client}"}, on="2014-12-31")
    assert answer["count"] == 2


@pytest.mark.parametrize(
    "params",
    [{}, {"on": "2014-13-01"}, {"on": "2014-12-31", "kind": "office"}, {"on": "2014-12-31", "jurisdiction_code": "x"}],
)
async def test_refuses_a_missing_or_invalid_day_kind_or_jurisdiction(placement, auth, params):
    response = await placement.get(COUNT, params=params, headers=auth())
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
