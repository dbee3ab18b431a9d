import pytest

from reporting.indicators.models import IndicatorDefinition
from tests.calls import pages

PROBLEM = "application/problem+json"
NOTICE = "柳城政办〔2012〕84号"

# (indicator, period_end, value, unit, clause): every target the notice sets for the county.
SEEDED_TARGETS = [
    ("consolidation_rate", "2012-12-31", "20.00", "percent", "二(二)2"),
    ("consolidation_rate", "2013-12-31", "30.00", "percent", "二(二)2"),
    ("control_rate", "2012-12-31", "60.00", "percent", "二(二)2"),
    ("control_rate", "2013-12-31", "75.00", "percent", "二(二)2"),
    ("placement_points", "2014-12-31", "3.00", "count", "五(一)1"),
    ("placement_rate", "2012-12-31", "30.00", "percent", "二(二)1"),
    ("placement_rate", "2013-12-31", "50.00", "percent", "二(二)1"),
    ("placement_rate", "2014-12-31", "70.00", "percent", "二(二)1"),
    ("training_coverage", "2012-12-31", "100.00", "percent", "五(一)5"),
    ("training_coverage", "2013-12-31", "100.00", "percent", "五(一)5"),
    ("training_coverage", "2014-12-31", "100.00", "percent", "五(一)5"),
]


@pytest.fixture
def headers(make_token):
    return {"Authorization": f"Bearer {make_token(roles=['viewer'], department='township', jurisdiction='dapu')}"}


def summary(target):
    return (target["indicator_code"], target["period_end"], target["value"], target["unit"], target["source_clause"])


async def test_lists_the_indicators_of_definition_v1_in_order(reporting, headers):
    response = await reporting.get("/api/v1/indicators", headers=headers)
    assert response.status_code == 200
    body = response.json()
    assert [(i["code"], i["label_zh"], i["unit"]) for i in body] == [
        ("on_record", "在册吸毒人员数", "count"),
        ("placement_rate", "就业安置率", "percent"),
        ("control_rate", "管控率", "percent"),
        ("consolidation_rate", "戒断巩固率", "percent"),
        ("placement_points", "启航工程安置点数", "count"),
        ("training_coverage", "技能培训覆盖率", "percent"),
        ("subsidies", "补助资金", "amount"),
    ]
    assert {i["current_definition"]["version"] for i in body} == {1}
    assert all(i["current_definition"]["numerator"] for i in body)


async def test_definitions_say_what_issue_10_adopted(reporting, headers):
    indicators = {
        i["code"]: i["current_definition"] for i in (await reporting.get("/api/v1/indicators", headers=headers)).json()
    }
    consolidation = indicators["consolidation_rate"]
    assert "the anniversary counts" in consolidation["numerator"]
    assert "rehabilitation after isolation does not restart it" in consolidation["numerator"]
    placement = indicators["placement_rate"]
    for condition in ("from 2013 only the eligible", "aged 16-59 on D", "not 'unable'", "custody or a facility"):
        assert condition in placement["denominator"]
    assert "any route" in placement["numerator"]
    assert "not lost contact" in indicators["control_rate"]["numerator"]
    assert "death or moving out of the county" in indicators["on_record"]["numerator"]
    assert "at least two" in indicators["training_coverage"]["numerator"]
    assert indicators["placement_points"]["denominator"] is None
    assert all("Definition v1" in d["notes"] for d in indicators.values())


async def test_gets_one_indicator_with_its_definition_history(reporting, headers):
    response = await reporting.get("/api/v1/indicators/consolidation_rate", headers=headers)
    assert response.status_code == 200
    body = response.json()
    assert (body["code"], body["label_zh"], body["name_en"]) == (
        "consolidation_rate",
        "戒断巩固率",
        "Abstinence-consolidation rate",
    )
    assert [d["version"] for d in body["definitions"]] == [1]
    assert body["definitions"][0] == body["current_definition"]
    assert body["current_definition"]["unit_label_zh"] == "百分比"


async def test_a_new_definition_version_becomes_current_and_the_old_one_stays(reporting, reporting_session, headers):
    reporting_session.add(
        IndicatorDefinition(
            code="placement_rate",
            version=2,
            name_zh="就业安置率",
            name_en="Employment placement rate",
            unit="percent",
            numerator="v2 numerator",
            denominator="v2 denominator",
            notes=None,
        )
    )
    await reporting_session.flush()

    listed = {i["code"]: i for i in (await reporting.get("/api/v1/indicators", headers=headers)).json()}
    assert listed["placement_rate"]["current_definition"]["version"] == 2
    assert listed["placement_rate"]["current_definition"]["denominator"] == "v2 denominator"
    assert listed["control_rate"]["current_definition"]["version"] == 1

    detail = (await reporting.get("/api/v1/indicators/placement_rate", headers=headers)).json()
    assert [d["version"] for d in detail["definitions"]] == [2, 1]
    assert "from 2013 only the eligible" in detail["definitions"][1]["denominator"]

    targets = (await reporting.get("/api/v1/targets", params={"indicator": "placement_rate"}, headers=headers)).json()
    assert {t["definition_version"] for t in targets["items"]} == {1}


async def test_an_unknown_indicator_is_a_404_problem(reporting, headers):
    response = await reporting.get("/api/v1/indicators/relapse_rate", headers=headers)
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "indicator_not_found"
    malformed = await reporting.get("/api/v1/indicators/Relapse-Rate", headers=headers)
    assert malformed.status_code == 422
    assert malformed.headers["content-type"] == PROBLEM


async def test_lists_the_notices_targets_with_exact_values(reporting, headers):
    response = await reporting.get("/api/v1/targets", headers=headers)
    assert response.status_code == 200
    page = response.json()
    assert page["next_cursor"] is None
    assert [summary(t) for t in page["items"]] == SEEDED_TARGETS
    for target in page["items"]:
        assert (target["scope"], target["comparator"], target["source"]) == ("county", ">=", NOTICE)
        assert target["definition_version"] == 1
    labels = {t["indicator_code"]: t["indicator_label_zh"] for t in page["items"]}
    assert labels["placement_points"] == "启航工程安置点数"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"indicator": "placement_rate"}, [t for t in SEEDED_TARGETS if t[0] == "placement_rate"]),
        ({"year": 2013}, [t for t in SEEDED_TARGETS if t[1].startswith("2013")]),
        ({"year": 2014}, [t for t in SEEDED_TARGETS if t[1].startswith("2014")]),
        ({"indicator": "training_coverage"}, [t for t in SEEDED_TARGETS if t[0] == "training_coverage"]),
        ({"indicator": "control_rate", "year": 2012}, [("control_rate", "2012-12-31", "60.00", "percent", "二(二)2")]),
        ({"indicator": "relapse_rate"}, []),
        ({"year": 2015}, []),
    ],
)
async def test_filters_targets_by_indicator_and_year(reporting, headers, params, expected):
    response = await reporting.get("/api/v1/targets", params=params, headers=headers)
    assert response.status_code == 200
    assert [summary(t) for t in response.json()["items"]] == expected


async def test_pages_through_the_targets_with_a_cursor(reporting, headers):
    paged = await pages(reporting, "/api/v1/targets", params={"limit": 4}, headers=headers)
    assert len(paged) == 3
    assert [summary(t) for page in paged for t in page["items"]] == SEEDED_TARGETS


async def test_reading_needs_the_reporting_read_scope(reporting, make_token):
    no_scope = {"Authorization": f"Bearer {make_token(scopes=['placement:read'])}"}
    refused = await reporting.get("/api/v1/targets", headers=no_scope)
    assert refused.status_code == 403
    assert refused.json()["code"] == "insufficient_scope"
    assert (await reporting.get("/api/v1/indicators")).status_code == 401
