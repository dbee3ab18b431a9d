"""Reports through the API: county and township figures on a date against targets (overrides included), gap in people,
rank, the 2012/2013 placement-rate switch, small-count suppression for what a caller may not see in detail, trends,
rankings, CSV/XLSX, data freshness, and late data: "as known at" and revisions of a published bulletin."""

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import load_workbook

from tests.reporting.feeds import Feeds, catch_up

PROBLEM = "application/problem+json"
D = date(2013, 12, 31)


def build(feeds: Feeds) -> None:
    """Dapu: 10 eligible people in community detox, 4 placed on D (a fifth placement's last day is the day before);
    Shapu: 3 people (small counts)."""
    dapu = [feeds.person(jurisdiction="dapu") for _ in range(10)]
    for person in dapu[:4]:
        feeds.placement(person, date(2013, 3, 1))
    feeds.placement(dapu[4], date(2013, 3, 1), end_on=D - timedelta(days=1))  # last day the day before D
    shapu = [feeds.person(jurisdiction="shapu") for _ in range(3)]
    feeds.placement(shapu[0], date(2013, 5, 1))
    feeds.site("dapu", date(2012, 5, 15))
    feeds.site("shapu", date(2013, 1, 10), closed_on=D)  # closed on D: not counted on D
    feeds.subsidy(amount="12000.00", year=2013, paid_on=date(2014, 3, 1))
    feeds.subsidy(amount="8000.00", year=2012, paid_on=date(2013, 2, 1))


def by_code(report: dict) -> dict:
    return {i["code"]: i for i in report["indicators"]}


def row(indicator: dict, code: str) -> dict:
    return next(f for f in indicator["jurisdictions"] if f["jurisdiction_code"] == code)


@pytest.fixture
async def county(reporting_session, feeds):
    build(feeds)
    await catch_up(reporting_session, feeds)
    return feeds


async def test_the_county_report_for_a_year_end(reporting, auth, county):
    response = await reporting.get("/api/v1/reports/indicators", params={"period": "2013"}, headers=auth())
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["period"] == {
        "kind": "year",
        "label": "2013",
        "label_zh": "2013年",
        "start": "2013-01-01",
        "end": "2013-12-31",
    }
    assert report["definition_version"] == 1 and report["consolidation_rule"] == "consolidation-v2, N=3 years"
    placement = by_code(report)["placement_rate"]
    assert placement["definition_version"] == 1 and placement["basis"] == "eligible_only"
    dapu = row(placement, "dapu")
    assert (dapu["numerator"], dapu["denominator"], dapu["value"]) == (4, 10, "40.00")
    # 50% target in 2013: ceil(0.5 x 10) - 4 = 1 more placement.
    assert (dapu["target"], dapu["met"], dapu["gap"], dapu["suppressed"]) == ("50.00", False, 1, False)
    assert placement["county"]["numerator"] == 5 and placement["county"]["denominator"] == 13
    assert placement["county"]["jurisdiction_code"] == "liucheng"
    # County roles see small counts in detail.
    shapu = row(placement, "shapu")
    assert (shapu["numerator"], shapu["denominator"], shapu["value"], shapu["rank"]) == (1, 3, "33.33", 2)
    assert dapu["rank"] == 1
    control = by_code(report)["control_rate"]
    assert control["county"]["value"] == "100.00" and control["county"]["met"] is True
    assert by_code(report)["on_record"]["county"]["value"] == "13.00"
    points = by_code(report)["placement_points"]
    assert points["county"]["value"] == "1.00" and row(points, "shapu")["value"] == "0.00"
    assert report["subsidies"] == [
        {
            "subsidy_type": "enterprise_placement",
            "tier": "1-49",
            "decisions": 1,
            "decided": "12000.00",
            "payments": 1,
            "paid": "8000.00",
        }
    ]
    assert {s["source"] for s in report["data_as_of"]} == {"registry", "placement", "subsidy"}
    assert all(s["as_of"] is not None and s["failing_since"] is None for s in report["data_as_of"])
    assert report["revisions"] == []


async def test_2012_counts_everyone_in_community_measures_and_2013_only_the_eligible(
    reporting, auth, reporting_session, feeds
):
    unable = feeds.person(work_ability="unable")
    feeds.person()
    feeds.placement(unable, date(2012, 6, 1))
    await catch_up(reporting_session, feeds)
    for period, basis, expected in (("2012", "community_all", (1, 2)), ("2013", "eligible_only", (0, 1))):
        report = (await reporting.get("/api/v1/reports/indicators", params={"period": period}, headers=auth())).json()
        figure = by_code(report)["placement_rate"]
        assert figure["basis"] == basis
        assert (figure["county"]["numerator"], figure["county"]["denominator"]) == expected


async def test_township_staff_see_their_own_in_detail_and_others_as_published(reporting, auth, county):
    headers = auth(department="township", jurisdiction="dapu")
    report = (
        await reporting.get("/api/v1/reports/indicators", params={"period": "2013-12-31"}, headers=headers)
    ).json()
    placement = by_code(report)["placement_rate"]
    assert row(placement, "dapu")["numerator"] == 4 and not row(placement, "dapu")["suppressed"]
    shapu = row(placement, "shapu")
    assert shapu["suppressed"] is True
    assert (shapu["numerator"], shapu["denominator"], shapu["value"], shapu["gap"], shapu["rank"]) == (
        None,
        None,
        None,
        None,
        None,
    )
    assert (shapu["numerator_display"], shapu["denominator_display"]) == ("<5", "<5")
    # The county ranking is theirs to see: Dapu keeps its rank among all.
    assert row(placement, "dapu")["rank"] == 1


async def test_a_county_override_wins_over_the_notice_for_its_jurisdiction(reporting, auth, county):
    override = {
        "indicator_code": "placement_rate",
        "year": 2013,
        "jurisdiction_code": "dapu",
        "value": "60",
        "reason": "县禁毒委决定",
    }
    nco = auth()
    created = await reporting.post("/api/v1/targets", json=override, headers=nco | {"Idempotency-Key": "t-1"})
    assert created.status_code == 201, created.text
    assert (created.json()["origin"], created.json()["scope"], created.json()["value"]) == ("override", "dapu", "60.00")
    replay = await reporting.post("/api/v1/targets", json=override, headers=nco | {"Idempotency-Key": "t-1"})
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    twice = await reporting.post("/api/v1/targets", json=override, headers=auth())
    assert twice.status_code == 409 and twice.headers["content-type"] == PROBLEM
    report = (await reporting.get("/api/v1/reports/indicators", params={"period": "2013"}, headers=auth())).json()
    placement = by_code(report)["placement_rate"]
    dapu = row(placement, "dapu")
    # 60%: ceil(0.6 x 10) - 4 = 2.
    assert (dapu["target"], dapu["target_origin"], dapu["gap"]) == ("60.00", "override", 2)
    assert row(placement, "shapu")["target_origin"] == "notice" and placement["county"]["target"] == "50.00"
    withdrawn = await reporting.delete(f"/api/v1/targets/{created.json()['id']}", headers=auth())
    assert withdrawn.status_code == 204
    township = await reporting.post(
        "/api/v1/targets", json=override, headers=auth(department="township", jurisdiction="dapu")
    )
    assert township.status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"indicator_code": "relapse_rate", "year": 2013, "value": "50", "reason": "xx"}, "body.indicator_code"),
        (
            {
                "indicator_code": "placement_rate",
                "year": 2013,
                "jurisdiction_code": "nowhere",
                "value": "50",
                "reason": "xx",
            },
            "body.jurisdiction_code",
        ),
        ({"indicator_code": "placement_rate", "year": 2013, "value": "150", "reason": "xx"}, "body.value"),
        ({"indicator_code": "placement_rate", "year": 2013, "value": "50", "reason": "xx", "scope": "x"}, "body.scope"),
    ],
)
async def test_a_bad_override_is_a_422_and_writes_nothing(reporting, auth, body, field):
    response = await reporting.post("/api/v1/targets", json=body, headers=auth())
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM
    assert field in {e["field"] for e in response.json()["errors"]}
    listed = (await reporting.get("/api/v1/targets", params={"year": 2013}, headers=auth())).json()
    assert {t["origin"] for t in listed["items"]} == {"notice"}


@pytest.mark.parametrize("period", ["2013-13", "13", "2013-Q5", "2013-02-30", "last year"])
async def test_a_bad_period_is_a_422_problem(reporting, auth, period):
    response = await reporting.get("/api/v1/reports/indicators", params={"period": period}, headers=auth())
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "invalid_period"


async def test_any_period_is_its_last_day(reporting, auth, county):
    for period, end in (
        ("2013-12", "2013-12-31"),
        ("2013-Q4", "2013-12-31"),
        ("2013-02", "2013-02-28"),
        ("2013-06-15", "2013-06-15"),
    ):
        report = (await reporting.get("/api/v1/reports/indicators", params={"period": period}, headers=auth())).json()
        assert report["period"]["end"] == end


async def test_a_monthly_trend_and_a_ranking(reporting, auth, county):
    trend = await reporting.get(
        "/api/v1/reports/indicators/placement_rate/trend",
        params={"from": "2013-01", "to": "2013-12", "jurisdiction": "dapu"},
        headers=auth(),
    )
    assert trend.status_code == 200, trend.text
    points = trend.json()["points"]
    assert [p["period"]["label"] for p in points] == [f"2013-{m:02d}" for m in range(1, 13)]
    assert points[1]["jurisdiction"]["numerator"] == 0 and points[2]["jurisdiction"]["numerator"] == 5
    assert points[11]["jurisdiction"]["numerator"] == 4 and points[11]["county"]["value"] == "38.46"
    yearly = await reporting.get(
        "/api/v1/reports/indicators/control_rate/trend",
        params={"from": "2012", "to": "2014", "granularity": "year"},
        headers=auth(),
    )
    assert [p["period"]["end"] for p in yearly.json()["points"]] == ["2012-12-31", "2013-12-31", "2014-12-31"]
    ranking = (
        await reporting.get(
            "/api/v1/reports/indicators/placement_rate/ranking", params={"period": "2013"}, headers=auth()
        )
    ).json()
    assert [r["jurisdiction_code"] for r in ranking["rows"][:2]] == ["dapu", "shapu"]
    assert ranking["rows"][2]["rank"] is None  # no one there: no rate
    missing = await reporting.get(
        "/api/v1/reports/indicators/relapse_rate/ranking", params={"period": "2013"}, headers=auth()
    )
    assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM


async def test_every_table_as_csv_and_xlsx(reporting, auth, county):
    response = await reporting.get(
        "/api/v1/reports/indicators", params={"period": "2013", "format": "csv"}, headers=auth()
    )
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:5] == ["指标", "指标代码", "定义版本", "统计日期", "乡镇"]
    dapu = next(r for r in rows if r[1] == "placement_rate" and r[5] == "dapu")
    assert dapu[6:12] == ["4", "10", "40.00", "50.00", "未达标", "1"]
    for path, params in (
        ("/api/v1/reports/indicators/placement_rate/ranking", {"period": "2013"}),
        ("/api/v1/reports/indicators/placement_rate/trend", {"from": "2013-01", "to": "2013-03"}),
        ("/api/v1/reports/subsidies", {"year": 2013}),
    ):
        xlsx = await reporting.get(path, params=params | {"format": "xlsx"}, headers=auth())
        assert xlsx.status_code == 200, xlsx.text
        sheet = load_workbook(io.BytesIO(xlsx.content)).active
        assert sheet.max_row >= 2 and all(isinstance(c.value, str) for c in sheet[1])


async def test_late_data_reproduces_as_known_and_shows_as_a_revision_of_a_published_bulletin(
    reporting, auth, reporting_session, feeds
):
    feeds.at(datetime(2014, 1, 10, tzinfo=UTC))
    people = [feeds.person() for _ in range(12)]
    for p in people[:6]:
        feeds.placement(p, date(2013, 6, 1))
    await catch_up(reporting_session, feeds)
    published = await reporting.post("/api/v1/bulletins", json={"period": "2013"}, headers=auth())
    assert published.status_code == 201, published.text
    published_at = datetime.fromisoformat(published.json()["published_at"])

    # Entered in March 2014: a placement that began in 2013 and a death on 2013-12-01.
    feeds.at(published_at + timedelta(days=60))
    feeds.placement(people[6], date(2013, 9, 1))
    feeds.off_register(people[11], date(2013, 12, 1), "died")
    await catch_up(reporting_session, feeds)

    now = (await reporting.get("/api/v1/reports/indicators", params={"period": "2013"}, headers=auth())).json()
    county_now = by_code(now)["placement_rate"]["county"]
    assert (county_now["numerator"], county_now["denominator"]) == (7, 11)
    revisions = [
        r for r in now["revisions"] if r["indicator_code"] == "placement_rate" and r["jurisdiction_code"] == "liucheng"
    ]
    assert len(revisions) == 1
    rev = revisions[0]
    assert (rev["published_numerator"], rev["published_denominator"], rev["published_value"]) == (6, 12, "50.00")
    assert (rev["current_numerator"], rev["current_denominator"], rev["current_value"]) == (7, 11, "63.64")
    assert rev["records_changed"] == 2

    then = await reporting.get(
        "/api/v1/reports/indicators",
        params={"period": "2013", "as_known_at": published.json()["published_at"]},
        headers=auth(),
    )
    county_then = by_code(then.json())["placement_rate"]["county"]
    assert (county_then["numerator"], county_then["denominator"]) == (6, 12)
    # The bulletin itself never changes.
    again = (await reporting.get(f"/api/v1/bulletins/{published.json()['id']}", headers=auth())).json()
    assert by_code(again["report"])["placement_rate"]["county"]["value"] == "50.00"
    naive = await reporting.get(
        "/api/v1/reports/indicators", params={"period": "2013", "as_known_at": "2014-01-15T00:00:00"}, headers=auth()
    )
    assert naive.status_code == 422


async def test_data_as_of_says_which_source_is_failing(reporting, auth, reporting_session, feeds):
    from reporting.readmodel.follower import Follower
    from reporting.readmodel.rules import RuleConfig
    from tests.reporting.feeds import transaction_in

    feeds.person()
    feeds.feed["subsidy"].down = ConnectionError("subsidy service down")
    await Follower(transaction_in(reporting_session), feeds.fetchers(), RuleConfig()).poll_round()
    status = (await reporting.get("/api/v1/reporting-feeds", headers=auth())).json()
    by_source = {s["source"]: s for s in status["sources"]}
    assert by_source["subsidy"]["failing_since"] is not None and by_source["subsidy"]["as_of"] is None
    assert by_source["registry"]["failing_since"] is None and by_source["registry"]["events_applied"] == 2
    report = (await reporting.get("/api/v1/reports/indicators", params={"period": "2013"}, headers=auth())).json()
    assert by_code(report)["on_record"]["county"]["value"] == "1.00"
    assert {s["source"]: s["failing_since"] is not None for s in report["data_as_of"]}["subsidy"] is True


async def test_as_known_at_too_far_back_is_a_422_not_a_long_wait(service_client, auth, feeds):
    from reporting.main import create_app

    feeds.person()
    feeds.person()
    async with service_client("reporting", create_app, as_known_max_people=1) as (client, session):
        await catch_up(session, feeds)
        response = await client.get(
            "/api/v1/reports/indicators",
            params={"period": "2013", "as_known_at": "2014-01-01T00:00:00+08:00"},
            headers=auth(),
        )
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "as_known_at_too_far_back"


@pytest.mark.parametrize("day", [D, date(2014, 3, 1), date(2013, 1, 10), date(2012, 5, 14), date(2011, 1, 1)])
async def test_the_reports_one_statement_reads_what_the_separate_reads_do(reporting_session, county, day):
    """report_inputs (a report as known now, in one round trip) gives the same counts, sites, targets, cursors and
    subsidies as counts_on, sites_on, the target table, cursors() and subsidies_in."""
    from sqlalchemy import select

    from reporting.indicators.models import Target
    from reporting.readmodel.repository import ReadModelRepository

    repo = ReadModelRepository(reporting_session)
    inputs = await repo.report_inputs(day)
    assert inputs.counts == await repo.counts_on(day)
    assert inputs.sites == await repo.sites_on(day)
    targets = (await reporting_session.scalars(select(Target))).all()
    expected = sorted(
        (t.indicator_code, t.period_end, t.scope, t.origin, t.value) for t in targets if t.period_end.year == day.year
    )
    assert (expected or day.year < 2012) and sorted(_fields(inputs.targets)) == expected
    fields = ("feed", "events_seen", "last_event_at", "caught_up_at", "last_error_at", "last_error")
    cursors = await repo.cursors()
    assert cursors and _fields(inputs.cursors) == [tuple(getattr(c, f) for f in fields) for c in cursors]
    subsidies = [tuple(r) for r in await repo.subsidies_in(day.year)]
    assert _fields(inputs.subsidies) == subsidies and (day.year not in (2012, 2013, 2014) or subsidies)
    assert inputs.has_bulletin is False


def _fields(rows) -> list[tuple]:
    from dataclasses import astuple

    return [astuple(r) for r in rows]
