"""Which counts each indicator of definition v1 divides, by date; periods; the figure arithmetic (value, target met,
gap in people) and the small-count suppression of published outputs. Pure: no database.

The texts of the definitions live in the database (indicator_definition, migration t0002) and are served by
/api/v1/indicators; the code here must say the same, and every figure names the version it used."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Final, Literal

from shared.errors import AppError, FieldError

VERSION: Final = 1
PLACEMENT_ELIGIBLE_FROM: Final = date(2013, 1, 1)
"""From this date the placement rate counts only eligible people (the notice's 2013 change)."""

Unit = Literal["percent", "count", "amount"]


@dataclass(frozen=True, slots=True)
class IndicatorSpec:
    code: str
    unit: Unit
    label_zh: str
    source: str
    """'people' (daily counts), 'sites' or 'subsidies'."""

    def columns(self, day: date) -> tuple[str, str | None]:
        """(numerator count, denominator count) on `day`."""
        if self.code == "control_rate":
            return "controlled", "on_record"
        if self.code == "consolidation_rate":
            return "consolidated", "on_record"
        if self.code == "placement_rate":
            if day < PLACEMENT_ELIGIBLE_FROM:
                return "community_placed", "community"
            return "eligible_placed", "eligible"
        if self.code == "training_coverage":
            return "coverage_trained", "coverage_base"
        if self.code == "on_record":
            return "on_record", None
        return self.code, None

    def basis(self, day: date) -> str:
        """What the figure on `day` counts, in a few words (the placement rate changed in 2013)."""
        if self.code == "placement_rate":
            return "community_all" if day < PLACEMENT_ELIGIBLE_FROM else "eligible_only"
        return "v1"


SPECS: Final[dict[str, IndicatorSpec]] = {
    s.code: s
    for s in (
        IndicatorSpec("on_record", "count", "在册吸毒人员数", "people"),
        IndicatorSpec("placement_rate", "percent", "就业安置率", "people"),
        IndicatorSpec("control_rate", "percent", "管控率", "people"),
        IndicatorSpec("consolidation_rate", "percent", "戒断巩固率", "people"),
        IndicatorSpec("placement_points", "count", "启航工程安置点数", "sites"),
        IndicatorSpec("training_coverage", "percent", "技能培训覆盖率", "people"),
        IndicatorSpec("subsidies", "amount", "补助资金", "subsidies"),
    )
}
FIGURE_CODES: Final = tuple(c for c, s in SPECS.items() if s.source != "subsidies")
RANKED_CODES: Final = ("placement_rate", "control_rate", "consolidation_rate", "training_coverage")


class InvalidPeriod(AppError):
    status, code, title = 422, "invalid_period", "Invalid period"


PeriodKind = Literal["date", "month", "quarter", "year"]


@dataclass(frozen=True, slots=True)
class Period:
    kind: PeriodKind
    label: str
    start: date
    end: date

    @property
    def label_zh(self) -> str:
        if self.kind == "year":
            return f"{self.start.year}年"
        if self.kind == "quarter":
            return f"{self.start.year}年第{(self.start.month - 1) // 3 + 1}季度"
        if self.kind == "month":
            return f"{self.start.year}年{self.start.month}月"
        return f"{self.end.year}年{self.end.month}月{self.end.day}日"


def _month_end(year: int, month: int) -> date:
    return date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)


def parse_period(text: str, field: str = "query.period") -> Period:
    """A date (2013-12-31), month (2013-12), quarter (2013-Q4) or year (2013); its figures are those of its last day."""
    text = text.strip()
    try:
        if m := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text):
            day = date(int(m[1]), int(m[2]), int(m[3]))
            return Period("date", text, day, day)
        if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
            year, month = int(m[1]), int(m[2])
            return Period("month", text, date(year, month, 1), _month_end(year, month))
        if m := re.fullmatch(r"(\d{4})-[Qq]([1-4])", text):
            year, quarter = int(m[1]), int(m[2])
            return Period(
                "quarter", f"{year}-Q{quarter}", date(year, 3 * quarter - 2, 1), _month_end(year, 3 * quarter)
            )
        if m := re.fullmatch(r"(\d{4})", text):
            year = int(m[1])
            return Period("year", text, date(year, 1, 1), date(year, 12, 31))
    except ValueError:
        pass
    raise InvalidPeriod(
        "A period is a date (2013-12-31), a month (2013-12), a quarter (2013-Q4) or a year (2013).",
        errors=[FieldError(field=field, message="not a date, month, quarter or year")],
    )


def series(first: Period, last: Period, granularity: Literal["month", "quarter", "year"]) -> list[Period]:
    """The periods of `granularity` from the one holding `first`'s end to the one holding `last`'s end."""
    out: list[Period] = []
    year, month = first.end.year, first.end.month
    if granularity == "quarter":
        month = 3 * ((month - 1) // 3) + 1
    elif granularity == "year":
        month = 1
    while True:
        if granularity == "month":
            period = parse_period(f"{year:04d}-{month:02d}")
            step = 1
        elif granularity == "quarter":
            period = parse_period(f"{year:04d}-Q{(month - 1) // 3 + 1}")
            step = 3
        else:
            period = parse_period(f"{year:04d}")
            step = 12
        if period.start > last.end:
            break
        out.append(period)
        month += step
        while month > 12:
            month -= 12
            year += 1
        if len(out) > 240:
            raise InvalidPeriod("A trend has at most 240 periods.")
    return out


def rate(numerator: int, denominator: int | None) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def met(unit: str, numerator: int, denominator: int | None, target: Decimal | None) -> bool | None:
    """Exact comparison (not of a rounded rate): numerator / denominator >= target %."""
    if target is None:
        return None
    if unit == "percent":
        if not denominator:
            return None
        return Decimal(numerator) * 100 >= target * denominator
    return Decimal(numerator) >= target


def gap_in_people(unit: str, numerator: int, denominator: int | None, target: Decimal | None) -> int | None:
    """How many more people reach the target: ceil(target x denominator) - numerator, never below 0. For a count,
    target - value."""
    if target is None:
        return None
    if unit == "percent":
        if denominator is None:
            return None
        return max(0, math.ceil(target * denominator / 100) - numerator)
    return max(0, math.ceil(target) - numerator)


def suppressed(numerator: int, denominator: int | None, threshold: int) -> bool:
    """Published outputs withhold a rate whose numerator or denominator is below the threshold (a count: its value)."""
    if denominator is None:
        return False
    return numerator < threshold or denominator < threshold
