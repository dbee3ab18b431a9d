"""Placement bases and points: designating, reading, listing, changing, closing; events; bad input."""

from datetime import date, timedelta

import pytest

from tests.dates import TOMORROW, resolved
from tests.placement.employers.conftest import PROBLEM, SITES, bearer, site_body


async def test_designates_a_point_and_reads_it_back(placement, new_employer, county, auth, events):
    employer = await new_employer()
    response = await placement.post(SITES, json=site_body(employer["id"]), headers=bearer(county))

    assert response.status_code == 201, response.text
    site = response.json()
    assert response.headers["location"] == f"{SITES}/{site['id']}"
    assert response.headers["etag"] == '"1"'
    assert (site["kind"], site["kind_label_zh"], site["mode"], site["mode_label_zh"]) == (
        "point",
        "安置点",
        "centralised",
        "集中安置",
    )
    # No jurisdiction given: the employer's.
    assert (site["jurisdiction_code"], site["jurisdiction_name_zh"]) == ("dapu", "大埔镇")
    assert (site["status"], site["status_label_zh"], site["closed_on"]) == ("open", "运行中", None)
    assert (site["designated_on"], site["capacity"], site["employer_id"]) == ("2012-05-15", 30, employer["id"])

    detail = await placement.get(f"{SITES}/{site['id']}", headers=auth())
    assert detail.json() == site
    assert detail.headers["etag"] == '"1"'

    assert await events(site["id"]) == [
        (
            "site.designated",
            {
                "site_id": site["id"],
                "employer_id": employer["id"],
                "kind": "point",
                "mode": "centralised",
                "jurisdiction_code": "dapu",
                "designated_on": "2012-05-15",
                "closed_on": None,
                "capacity": 30,
                "version": 1,
            },
        )
    ]


async def test_a_site_may_lie_in_another_jurisdiction_than_its_employer(new_employer, new_site):
    employer = await new_employer(jurisdiction_code="dapu")
    site = await new_site(employer["id"], jurisdiction_code="shapu", kind="base", mode="dispersed")
    labels = (site["jurisdiction_code"], site["kind_label_zh"], site["mode_label_zh"])
    assert labels == ("shapu", "安置基地", "分散安置")


async def test_closes_a_site_once_and_keeps_it_on_record(placement, new_employer, new_site, close, auth, events):
    site = await new_site((await new_employer())["id"])
    closed = await close(site, "2015-06-30")
    assert closed.status_code == 200, closed.text
    body = closed.json()
    assert (body["status"], body["status_label_zh"], body["closed_on"], body["closed_reason"]) == (
        "closed",
        "已关闭",
        "2015-06-30",
        "企业搬迁",
    )
    assert closed.headers["etag"] == '"2"'
    again = await close(body, "2015-07-01")
    assert again.status_code == 409
    assert again.json()["code"] == "placement_site_closed"
    assert (await placement.get(f"{SITES}/{site['id']}", headers=auth())).json()["closed_on"] == "2015-06-30"
    written = await events(site["id"])
    assert [kind for kind, _ in written] == ["site.designated", "site.closed"]
    assert written[1][1]["closed_on"] == "2015-06-30"
    assert "企业搬迁" not in str(written)


async def test_closing_needs_the_current_etag_and_a_sensible_date(placement, new_employer, new_site, close, county):
    site = await new_site((await new_employer())["id"])
    url = f"{SITES}/{site['id']}/close"
    body = {"closed_on": "2015-06-30", "reason": "企业搬迁"}
    assert (await placement.post(url, json=body, headers=bearer(county))).status_code == 428
    stale = await placement.post(url, json=body, headers=bearer(county, **{"If-Match": '"7"'}))
    assert stale.status_code == 412
    early = await close(site, "2012-05-14")
    assert early.status_code == 422
    assert early.json()["errors"] == [{"field": "body.closed_on", "message": "must be on or after 2012-05-15"}]
    future = await close(site, (date.today() + timedelta(days=1)).isoformat())
    assert future.status_code == 422
    assert future.json()["errors"][0]["field"] == "body.closed_on"
    assert (await close(site, "2012-05-15")).status_code == 200


async def test_changes_details_with_if_match(placement, new_employer, new_site, county, events):
    site = await new_site((await new_employer())["id"])
    url = f"{SITES}/{site['id']}"
    assert (await placement.patch(url, json={"capacity": 40}, headers=bearer(county))).status_code == 428
    changed = await placement.patch(
        url,
        json={"capacity": 40, "mode": "dispersed", "designated_on": "2012-05-16", "address": None},
        headers=bearer(county, **{"If-Match": '"1"'}),
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["capacity"], body["mode"], body["designated_on"], body["address"], body["version"]) == (
        40,
        "dispersed",
        "2012-05-16",
        None,
        2,
    )
    stale = await placement.patch(url, json={"capacity": 50}, headers=bearer(county, **{"If-Match": '"1"'}))
    assert stale.status_code == 412
    written = await events(site["id"])
    assert written[-1][0] == "site.updated"
    assert written[-1][1]["fields"] == ["address", "capacity", "designated_on", "mode"]


async def test_a_closed_site_cannot_be_designated_after_it_closed(placement, new_employer, new_site, close, county):
    site = await new_site((await new_employer())["id"])
    closed = (await close(site, "2013-01-01")).json()
    response = await placement.patch(
        f"{SITES}/{site['id']}",
        json={"designated_on": "2013-01-02"},
        headers=bearer(county, **{"If-Match": f'"{closed["version"]}"'}),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.designated_on"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"kind": "office"}, "body.kind"),
        ({"mode": "mixed"}, "body.mode"),
        ({"jurisdiction_code": "nowhere"}, "body.jurisdiction_code"),
        ({"capacity": 0}, "body.capacity"),
        ({"name": " "}, "body.name"),
        ({"designated_on": TOMORROW}, "body.designated_on"),
        ({"status": "closed"}, "body.status"),
        ({"employer_id": "not-a-uuid"}, "body.employer_id"),
        ({"employer_id": "00000000-0000-4000-8000-000000000000"}, "body.employer_id"),
    ],
)
async def test_refuses_invalid_sites_and_writes_nothing(placement, new_employer, county, auth, overrides, field):
    employer = await new_employer()
    response = await placement.post(SITES, json=site_body(employer["id"]) | resolved(overrides), headers=bearer(county))
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert field in [e["field"] for e in response.json()["errors"]]
    assert (await placement.get(SITES, headers=auth())).json()["items"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "base"}, "body.kind"),
        ({"employer_id": "00000000-0000-4000-8000-000000000000"}, "body.employer_id"),
        ({"name": None}, "body.name"),
        ({"capacity": -1}, "body.capacity"),
    ],
)
async def test_refuses_invalid_changes(placement, new_employer, new_site, county, body, field):
    site = await new_site((await new_employer())["id"])
    response = await placement.patch(f"{SITES}/{site['id']}", json=body, headers=bearer(county, **{"If-Match": '"1"'}))
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]


async def test_a_retry_with_the_same_idempotency_key_designates_once(placement, new_employer, county, auth):
    employer = await new_employer()
    headers = bearer(county, **{"Idempotency-Key": "site-once"})
    first = await placement.post(SITES, json=site_body(employer["id"]), headers=headers)
    again = await placement.post(SITES, json=site_body(employer["id"]), headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert len((await placement.get(SITES, headers=auth())).json()["items"]) == 1


async def test_lists_with_filters_earliest_designated_first(placement, new_employer, new_site, close, auth):
    a = await new_employer(name="甲")
    b = await new_employer(name="乙", jurisdiction_code="shapu")
    p1 = await new_site(a["id"], name="点一", designated_on="2012-05-15")
    base = await new_site(a["id"], name="基地", kind="base", designated_on="2012-03-01")
    p2 = await new_site(b["id"], name="点二", designated_on="2013-01-01", mode="dispersed")
    await close(p1, "2014-01-01")

    async def names(**params) -> list[str]:
        response = await placement.get(SITES, params=params, headers=auth())
        assert response.status_code == 200, response.text
        return [s["name"] for s in response.json()["items"]]

    assert await names() == ["基地", "点一", "点二"]
    assert await names(employer_id=a["id"]) == ["基地", "点一"]
    assert await names(jurisdiction_code="shapu") == ["点二"]
    assert await names(kind="point") == ["点一", "点二"]
    assert await names(mode="dispersed") == ["点二"]
    assert await names(status="closed") == ["点一"]
    assert await names(open_on="2012-12-31") == ["基地", "点一"]
    assert await names(open_on="2014-01-01") == ["基地", "点二"]
    page = (await placement.get(SITES, params={"limit": 2}, headers=auth())).json()
    rest = (await placement.get(SITES, params={"limit": 2, "cursor": page["next_cursor"]}, headers=auth())).json()
    assert [s["id"] for s in page["items"] + rest["items"]] == [base["id"], p1["id"], p2["id"]]


async def test_an_unknown_site_is_a_404_problem(placement, auth):
    response = await placement.get(f"{SITES}/00000000-0000-4000-8000-000000000000", headers=auth())
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "placement_site_not_found"
