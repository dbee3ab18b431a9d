"""The figure arithmetic of definition v1: rate rounding, target met compared exactly, the gap in people
`ceil(target x denominator) - numerator`, small-count suppression, periods and the 2013 switch."""

from datetime import date
from decimal import Decimal

import pytest

from reporting.reports import definitions as defs


@pytest.mark.parametrize(
    ("numerator", "denominator", "target", "gap", "met"),
    [
        (4, 10, "50", 1, False),  # "1 more placement reaches 50%"
        (5, 10, "50", 0, True),
        (6, 10, "50", 0, True),  # above the target: never a negative gap
        (3, 7, "50", 1, False),  # ceil(3.5) = 4
        (0, 7, "30", 3, False),  # ceil(2.1) = 3
        (20, 30, "70", 1, False),  # ceil(21) = 21
        (21, 30, "70", 0, True),
        (1, 3, "33.33", 0, True),  # exact: 1/3 >= 33.33%
        (0, 0, "50", 0, None),  # nobody to place: no rate
    ],
)
def test_gap_in_people_and_target_met(numerator, denominator, target, gap, met):
    assert defs.gap_in_people("percent", numerator, denominator, Decimal(target)) == gap
    assert defs.met("percent", numerator, denominator, Decimal(target)) is met


def test_without_a_target_there_is_no_gap_and_counts_compare_by_value():
    assert defs.gap_in_people("percent", 4, 10, None) is None and defs.met("percent", 4, 10, None) is None
    assert defs.gap_in_people("count", 2, None, Decimal("3")) == 1
    assert defs.met("count", 3, None, Decimal("3")) is True


def test_rates_are_rounded_half_up_to_two_places():
    assert defs.rate(1, 3) == Decimal("33.33") and defs.rate(2, 3) == Decimal("66.67")
    assert defs.rate(1, 8) == Decimal("12.50") and defs.rate(0, 0) is None


@pytest.mark.parametrize(
    ("numerator", "denominator", "hidden"),
    [(4, 10, True), (5, 10, False), (5, 4, True), (0, 5, True), (5, 5, False), (12, 30, False), (3, None, False)],
)
def test_numerator_or_denominator_under_five_is_suppressed(numerator, denominator, hidden):
    assert defs.suppressed(numerator, denominator, 5) is hidden


def test_the_placement_rate_counts_everyone_to_2012_and_the_eligible_from_2013():
    spec = defs.SPECS["placement_rate"]
    assert spec.columns(date(2012, 12, 31)) == ("community_placed", "community")
    assert spec.columns(date(2013, 1, 1)) == ("eligible_placed", "eligible")


@pytest.mark.parametrize(
    ("text", "kind", "start", "end"),
    [
        ("2013", "year", date(2013, 1, 1), date(2013, 12, 31)),
        ("2013-Q1", "quarter", date(2013, 1, 1), date(2013, 3, 31)),
        ("2013-q4", "quarter", date(2013, 10, 1), date(2013, 12, 31)),
        ("2012-02", "month", date(2012, 2, 1), date(2012, 2, 29)),
        ("2013-06-15", "date", date(2013, 6, 15), date(2013, 6, 15)),
    ],
)
def test_periods_end_on_their_last_day(text, kind, start, end):
    period = defs.parse_period(text)
    assert (period.kind, period.start, period.end) == (kind, start, end)


def test_a_series_of_quarters():
    quarters = defs.series(defs.parse_period("2013-02"), defs.parse_period("2014-01"), "quarter")
    assert [q.label for q in quarters] == ["2013-Q1", "2013-Q2", "2013-Q3", "2013-Q4", "2014-Q1"]
