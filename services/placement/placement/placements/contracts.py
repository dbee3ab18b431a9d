"""Calendar arithmetic of contracts and follow-ups, in one place so placements and the subsidy evidence agree."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

FOLLOW_UP_MONTHS = (3, 6, 12)


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the month's last day when it has no such day (31 Jan + 1 month = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def term_end(start_on: date, months: int) -> date:
    """The last day of a term of `months` months from `start_on` (民法典 arts. 201-203): the day before the same day
    `months` later, or that month's last day when it has no such day (29 Feb 2024 + 12 months ends 28 Feb 2025)."""
    index = start_on.month - 1 + months
    year, month = start_on.year + index // 12, index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    if start_on.day > last:
        return date(year, month, last)
    return date(year, month, start_on.day) - timedelta(days=1)


def term_months(start_on: date, end_on: date) -> int:
    """Whole months a fixed-term contract runs: the largest m whose term (term_end) ends on or before end_on.
    1 Jan to 31 Dec is 12; 15 Jan to 14 Jan next year is 12; 1 Jan to 30 Dec is 11."""
    months = (end_on.year - start_on.year) * 12 + end_on.month - start_on.month + 1
    while months > 0 and term_end(start_on, months) > end_on:
        months -= 1
    return max(months, 0)
