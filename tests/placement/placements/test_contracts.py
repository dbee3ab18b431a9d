"""The calendar arithmetic behind contract terms and follow-up due dates."""

from datetime import date

import pytest

from placement.placements.contracts import add_months, term_end, term_months


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (date(2026, 1, 1), date(2026, 12, 31), 12),
        (date(2026, 1, 15), date(2027, 1, 14), 12),
        (date(2026, 1, 1), date(2026, 12, 30), 11),
        (date(2026, 1, 31), date(2027, 1, 30), 12),
        (date(2026, 3, 1), date(2026, 8, 31), 6),
        (date(2026, 3, 1), date(2026, 3, 1), 0),
        (date(2024, 2, 29), date(2025, 2, 27), 11),
        (date(2024, 2, 29), date(2025, 2, 28), 12),
    ],
)
def test_term_is_whole_months_to_the_day_after_the_end(start, end, months):
    assert term_months(start, end) == months


def test_adding_months_keeps_the_day_or_takes_the_months_last():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert add_months(date(2027, 11, 30), 3) == date(2028, 2, 29)
    assert add_months(date(2026, 5, 15), 12) == date(2027, 5, 15)


def test_a_term_ends_the_day_before_the_same_day_or_at_a_short_months_end():
    assert term_end(date(2026, 1, 1), 12) == date(2026, 12, 31)
    assert term_end(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert term_end(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert term_end(date(2026, 1, 31), 2) == date(2026, 3, 30)
