"""Reports: every indicator of definition v1 for a period, by jurisdiction and for the county, against its targets,
ranked; trends; as known at a past time; revisions of published figures. The counts come from the read model's
daily and monthly sums (readmodel.repository), never from a scan of the people."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.config import Settings
from reporting.indicators.models import Target
from reporting.readmodel import rules
from reporting.readmodel.events import FEEDS
from reporting.readmodel.follower import rule_config
from reporting.readmodel.models import COUNT_COLUMNS
from reporting.readmodel.repository import ReadModelRepository
from reporting.readmodel.service import FLAG_COLUMNS, derive_people
from reporting.reports import definitions as defs
from reporting.reports import policy
from reporting.reports.schemas import (
    FigureRead,
    IndicatorFigures,
    PeriodRead,
    RankingRead,
    ReportRead,
    RevisionRead,
    SourceFreshness,
    SubsidyRow,
    TrendPoint,
    TrendRead,
)
from shared.auth import Principal
from shared.errors import AppError, FieldError, NotFound
from shared.reads import read_of
from shared.reference import COUNTY_CODE, JURISDICTIONS

COUNTY_NAME_ZH = "柳城县"
Counts = dict[str, dict[str, int]]
"""jurisdiction -> count column -> value."""


class IndicatorNotReported(NotFound):
    code = "indicator_not_found"


class JurisdictionNotFound(NotFound):
    code = "jurisdiction_not_found"


class AsKnownTooFarBack(AppError):
    status, code, title = 422, "as_known_at_too_far_back", "Too far back"


def period_read(p: defs.Period) -> PeriodRead:
    return read_of(PeriodRead, p)


@dataclass(frozen=True, slots=True)
class Targets:
    rows: Sequence[Target]

    def resolve(self, code: str, year: int, jurisdiction: str | None) -> tuple[Decimal | None, str | None]:
        """The target of `code` for `year`: a county override for the jurisdiction, else one for the county, else
        the notice's."""
        candidates = [t for t in self.rows if t.indicator_code == code and t.period_end.year == year]
        order = ([("override", jurisdiction)] if jurisdiction else []) + [("override", "county"), ("notice", "county")]
        for origin, scope in order:
            for t in candidates:
                if t.origin == origin and t.scope == scope:
                    return t.value, origin
        return None, None


async def load_targets(session: AsyncSession, years: Sequence[int]) -> Targets:
    stmt = select(Target)
    rows = [t for t in (await session.scalars(stmt)).all() if t.period_end.year in set(years)]
    return Targets(rows)


def figure(
    spec: defs.IndicatorSpec,
    code: str,
    numerator: int,
    denominator: int | None,
    targets: Targets,
    year: int,
    *,
    threshold: int,
    suppress: bool,
) -> FigureRead:
    county = code == COUNTY_CODE
    target, origin = targets.resolve(spec.code, year, None if county else code)
    people = spec.source == "people"
    hide = (
        suppress
        and people
        and (defs.suppressed(numerator, denominator, threshold) if denominator is not None else numerator < threshold)
    )
    value: Decimal | None
    value = defs.rate(numerator, denominator) if spec.unit == "percent" else Decimal(numerator)
    small = f"<{threshold}"
    return FigureRead(
        jurisdiction_code=code,
        jurisdiction_name_zh=COUNTY_NAME_ZH if county else JURISDICTIONS[code][0] if code in JURISDICTIONS else code,
        numerator=None if hide else numerator,
        denominator=None if hide or denominator is None else denominator,
        numerator_display=small if hide and numerator < threshold else ("—" if hide else str(numerator)),
        denominator_display=None
        if denominator is None
        else (small if hide and denominator < threshold else ("—" if hide else str(denominator))),
        value=None if hide else value,
        suppressed=hide,
        target=target,
        target_origin=origin,  # type: ignore[arg-type]
        met=None if hide else defs.met(spec.unit, numerator, denominator, target),
        gap=None if hide else defs.gap_in_people(spec.unit, numerator, denominator, target),
        rank=None,
    )


def rank(figures: list[FigureRead]) -> None:
    """Competition ranking (1, 2, 2, 4) by value, highest first; figures without a value stay unranked."""
    valued = sorted((f for f in figures if f.value is not None), key=lambda f: f.value, reverse=True)
    previous, position = None, 0
    for i, f in enumerate(valued, start=1):
        if f.value != previous:
            position, previous = i, f.value
        f.rank = position


def indicator_figures(
    spec: defs.IndicatorSpec,
    day: date,
    counts: Counts,
    sites: Mapping[str, int],
    targets: Targets,
    principal: Principal | None,
    threshold: int,
    *,
    published: bool = False,
) -> IndicatorFigures:
    """One indicator on `day` for the county and each jurisdiction. `published`: suppress small counts everywhere;
    otherwise only in the rows the caller may not see in detail."""
    num_col, den_col = spec.columns(day)

    def values(code: str | None) -> tuple[int, int | None]:
        if spec.source == "sites":
            n = sum(sites.values()) if code is None else sites.get(code, 0)
            return n, None
        rows = counts.values() if code is None else [counts.get(code, {})]
        n = sum(r.get(num_col, 0) for r in rows)
        d = sum(r.get(den_col, 0) for r in rows) if den_col else None
        return n, d

    county_n, county_d = values(None)
    county = figure(spec, COUNTY_CODE, county_n, county_d, targets, day.year, threshold=threshold, suppress=published)
    jurisdictions = []
    for code in JURISDICTIONS:
        n, d = values(code)
        detail = not published and (principal is None or policy.detail_for(principal, code))
        jurisdictions.append(figure(spec, code, n, d, targets, day.year, threshold=threshold, suppress=not detail))
    if spec.code in defs.RANKED_CODES:
        # Ranked among the figures as shown: a withheld figure has no rank, and ranks never hint at one.
        rank(jurisdictions)
    return IndicatorFigures(
        code=spec.code,
        label_zh=spec.label_zh,
        unit=spec.unit,  # type: ignore[arg-type]
        definition_version=defs.VERSION,
        basis=spec.basis(day),
        county=county,
        jurisdictions=jurisdictions,
    )


def freshness_of(feed: str, c: Any) -> SourceFreshness:
    """How fresh one source is, from its cursor (a FeedCursor or a repository CursorRow; None: never polled)."""
    failing = c.last_error_at if c is not None and c.last_error is not None else None
    return SourceFreshness(
        source=feed,
        as_of=c.caught_up_at if c else None,
        last_event_at=c.last_event_at if c else None,
        events_applied=c.events_seen if c else 0,
        failing_since=failing,
        last_error=c.last_error if failing else None,
    )


async def freshness(session: AsyncSession) -> list[SourceFreshness]:
    cursors = {c.feed: c for c in await ReadModelRepository(session).cursors()}
    return [freshness_of(feed, cursors.get(feed)) for feed in FEEDS]


def _contribution(intervals: Sequence[rules.Interval], day: date) -> tuple[str, list[int]] | None:
    state = rules.state_on(intervals, day)
    if state is None:
        return None
    return state.jurisdiction_code, [1 if state.flags & bits == bits else 0 for _c, bits in FLAG_COLUMNS]


async def known_at_adjustments(
    session: AsyncSession, settings: Settings, day: date, known_at: datetime
) -> tuple[Counts, dict[tuple[str, str], set[uuid.UUID]]]:
    """What the counts on `day` were as known at `known_at`, as changes to today's counts: the people with facts
    recorded after `known_at`, derived from what was known then and from everything. Also how many of them changed
    standing, by (count column, jurisdiction)."""
    repo = ReadModelRepository(session)
    person_ids = await repo.people_recorded_after(known_at, limit=settings.as_known_max_people + 1)
    if len(person_ids) > settings.as_known_max_people:
        raise AsKnownTooFarBack(
            f"More than {settings.as_known_max_people} people's records changed since {known_at.isoformat()}: "
            "too many to recompute while you wait. Ask for a later time, or read the published bulletin of that date.",
            errors=[FieldError(field="query.as_known_at", message="too far back to recompute online")],
        )
    adjust: Counts = {}
    changed: dict[tuple[str, str], set[uuid.UUID]] = {}
    config = rule_config(settings)
    for start in range(0, len(person_ids), 2000):
        batch = person_ids[start : start + 2000]
        now = await derive_people(repo, batch, config)
        then = await derive_people(repo, batch, config, known_at=known_at)
        for person_id in batch:
            before, after = _contribution(then[person_id], day), _contribution(now[person_id], day)
            if before == after:
                continue
            for sign, state in ((1, before), (-1, after)):
                if state is None:
                    continue
                code, vector = state
                row = adjust.setdefault(code, dict.fromkeys(COUNT_COLUMNS, 0))
                for column, v in zip(COUNT_COLUMNS, vector, strict=True):
                    row[column] += sign * v
            for column_index, column in enumerate(COUNT_COLUMNS):
                b = before[1][column_index] if before else 0
                a = after[1][column_index] if after else 0
                jb = before[0] if before else None
                ja = after[0] if after else None
                if b != a or (b and jb != ja):
                    for code in {jb, ja} - {None}:
                        changed.setdefault((column, code), set()).add(person_id)
    return adjust, changed


def _apply(counts: Counts, adjust: Counts) -> Counts:
    out = {code: dict(row) for code, row in counts.items()}
    for code, row in adjust.items():
        target = out.setdefault(code, dict.fromkeys(COUNT_COLUMNS, 0))
        for column, v in row.items():
            target[column] += v
    return out


async def counts_for(
    session: AsyncSession, settings: Settings, day: date, known_at: datetime | None
) -> tuple[Counts, Mapping[str, int]]:
    repo = ReadModelRepository(session)
    counts = await repo.counts_on(day)
    if known_at is not None:
        adjust, _changed = await known_at_adjustments(session, settings, day, known_at)
        counts = _apply(counts, adjust)
    sites = await repo.sites_on(day, known_at=known_at)
    return counts, sites


async def subsidies(session: AsyncSession, year: int, known_at: datetime | None) -> list[SubsidyRow]:
    rows = await ReadModelRepository(session).subsidies_in(year, known_at=known_at)
    return [subsidy_row(r) for r in rows]


def subsidy_row(r: Any) -> SubsidyRow:
    return SubsidyRow(
        subsidy_type=r.subsidy_type,
        tier=r.tier,
        decisions=int(r.decisions),
        decided=Decimal(r.decided),
        payments=int(r.payments),
        paid=Decimal(r.paid),
    )


def consolidation_rule(settings: Settings) -> str:
    return f"{rules.CONSOLIDATION_RULE}, N={settings.consolidation_years} years"


async def report(
    session: AsyncSession,
    settings: Settings,
    *,
    principal: Principal | None,
    period: defs.Period,
    known_at: datetime | None = None,
    published: bool = False,
    codes: Sequence[str] = defs.FIGURE_CODES,
    with_revisions: bool = True,
) -> ReportRead:
    """Every indicator for the period's last day. `principal` None with `published`: the safe-to-share version."""
    if principal is not None:
        policy.require_view(principal)
    day = period.end
    has_bulletin = True
    if known_at is None:
        # As known now (nearly every request): every read in one statement, one round trip.
        inputs = await ReadModelRepository(session).report_inputs(day)
        counts, sites, has_bulletin = inputs.counts, inputs.sites, inputs.has_bulletin
        targets = Targets(inputs.targets)  # type: ignore[arg-type]
        data_as_of = [freshness_of(feed, next((c for c in inputs.cursors if c.feed == feed), None)) for feed in FEEDS]
        subsidy_rows = [subsidy_row(r) for r in inputs.subsidies]
    else:
        counts, sites = await counts_for(session, settings, day, known_at)
        targets = await load_targets(session, [day.year])
        data_as_of = await freshness(session)
        subsidy_rows = await subsidies(session, day.year, known_at)
    threshold = settings.suppression_threshold
    indicators = [
        indicator_figures(defs.SPECS[c], day, counts, sites, targets, principal, threshold, published=published)
        for c in codes
    ]
    revisions: list[RevisionRead] = []
    if with_revisions and known_at is None and has_bulletin:
        from reporting.bulletins.service import revisions_of

        revisions = await revisions_of(session, settings, principal=principal, day=day, current=indicators)
    return ReportRead(
        period=period_read(period),
        as_known_at=known_at,
        definition_version=defs.VERSION,
        consolidation_rule=consolidation_rule(settings),
        suppression_threshold=threshold,
        data_as_of=data_as_of,
        indicators=indicators,
        subsidies=subsidy_rows,
        revisions=revisions,
    )


def spec_of(code: str) -> defs.IndicatorSpec:
    spec = defs.SPECS.get(code)
    if spec is None or spec.source == "subsidies":
        raise IndicatorNotReported(f"No indicator with figures has the code {code!r}.")
    return spec


async def trend(
    session: AsyncSession,
    settings: Settings,
    *,
    principal: Principal,
    code: str,
    first: defs.Period,
    last: defs.Period,
    granularity: str,
    jurisdiction: str | None,
) -> TrendRead:
    policy.require_view(principal)
    spec = spec_of(code)
    if jurisdiction is not None and jurisdiction not in JURISDICTIONS:
        raise JurisdictionNotFound(f"No jurisdiction has the code {jurisdiction!r}.")
    periods = defs.series(first, last, granularity)  # type: ignore[arg-type]
    repo = ReadModelRepository(session)
    by_month = await repo.counts_at_month_ends(periods[0].end.replace(day=1), periods[-1].end.replace(day=1))
    targets = await load_targets(session, sorted({p.end.year for p in periods}))
    threshold = settings.suppression_threshold
    points = []
    for p in periods:
        counts = by_month.get(p.end.replace(day=1), {})
        sites = await repo.sites_on(p.end) if spec.source == "sites" else {}
        figures = indicator_figures(spec, p.end, counts, sites, targets, principal, threshold)
        chosen = next((f for f in figures.jurisdictions if f.jurisdiction_code == jurisdiction), None)
        points.append(
            TrendPoint(period=period_read(p), basis=spec.basis(p.end), county=figures.county, jurisdiction=chosen)
        )
    return TrendRead(
        code=spec.code,
        label_zh=spec.label_zh,
        unit=spec.unit,  # type: ignore[arg-type]
        definition_version=defs.VERSION,
        granularity=granularity,  # type: ignore[arg-type]
        data_as_of=await freshness(session),
        points=points,
    )


async def ranking(
    session: AsyncSession, settings: Settings, *, principal: Principal, code: str, period: defs.Period
) -> RankingRead:
    policy.require_view(principal)
    spec = spec_of(code)
    counts, sites = await counts_for(session, settings, period.end, None)
    targets = await load_targets(session, [period.end.year])
    figures = indicator_figures(spec, period.end, counts, sites, targets, principal, settings.suppression_threshold)
    rows = sorted(figures.jurisdictions, key=lambda f: (f.rank is None, f.rank or 0))
    return RankingRead(
        code=spec.code, label_zh=spec.label_zh, definition_version=defs.VERSION, period=period_read(period), rows=rows
    )


def figure_cells(f: FigureRead) -> list[Any]:
    """A figure's cells in the reports' tables: numerator, denominator, value, target, met (达标 / 未达标), gap."""
    return [
        f.numerator_display,
        f.denominator_display,
        f.value,
        f.target,
        None if f.met is None else ("达标" if f.met else "未达标"),
        f.gap,
    ]


def table_rows(report_: ReportRead) -> list[list[Any]]:
    """The report as one flat table (CSV/XLSX): an indicator and a jurisdiction per row."""
    rows = []
    for ind in report_.indicators:
        for f in [ind.county, *ind.jurisdictions]:
            rows.append(
                [
                    ind.label_zh,
                    ind.code,
                    ind.definition_version,
                    report_.period.end,
                    f.jurisdiction_name_zh,
                    f.jurisdiction_code,
                    *figure_cells(f),
                    f.rank,
                ]
            )
    return rows


TABLE_HEADINGS = [
    "指标",
    "指标代码",
    "定义版本",
    "统计日期",
    "乡镇",
    "乡镇代码",
    "分子",
    "分母",
    "值",
    "目标",
    "是否达标",
    "差距人数",
    "排名",
]
