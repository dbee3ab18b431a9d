"""Bulletins (通报): publish a period's figures once, frozen and safe to share (small counts suppressed), with a
12-month trend; read them back; draw their files; and show later data as revisions instead of changing them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.bulletins.models import Bulletin
from reporting.bulletins.schemas import BulletinCreate, BulletinRead, BulletinSummary
from reporting.config import Settings
from reporting.idempotency import store as idempotency
from reporting.reports import definitions as defs
from reporting.reports import policy
from reporting.reports import service as reports
from reporting.reports.schemas import IndicatorFigures, ReportRead, RevisionRead
from shared.auth import Principal
from shared.errors import NotFound
from shared.idempotency import Created
from shared.pagination import PageParams, keyset_page
from shared.query import or_raise
from shared.reads import read_of
from shared.reference import COUNTY_CODE, JURISDICTIONS

OPERATION = "POST /api/v1/bulletins"
TREND_CODES = ("placement_rate", "control_rate", "consolidation_rate")


class BulletinNotFound(NotFound):
    code = "bulletin_not_found"


def _figures(report: ReportRead) -> dict[str, Any]:
    return {
        ind.code: {f.jurisdiction_code: [f.numerator, f.denominator] for f in [ind.county, *ind.jurisdictions]}
        for ind in report.indicators
    }


async def _trend(session: AsyncSession, settings: Settings, period: defs.Period) -> list[dict[str, Any]]:
    """The county's rates at the end of each of the 12 months up to the period's end (safe to share: counties)."""
    end = period.end
    first = (
        defs.parse_period(f"{end.year - 1:04d}-{end.month:02d}")
        if end.month < 12
        else defs.parse_period(f"{end.year}-01")
    )
    months = defs.series(first, defs.parse_period(f"{end.year:04d}-{end.month:02d}"), "month")[-12:]
    repo_counts = await reports.ReadModelRepository(session).counts_at_month_ends(months[0].start, months[-1].start)
    targets = await reports.load_targets(session, sorted({m.end.year for m in months}))
    points = []
    for m in months:
        counts = repo_counts.get(m.start, {})
        row: dict[str, Any] = {"period": m.label, "label_zh": m.label_zh, "end": m.end.isoformat()}
        for code in TREND_CODES:
            spec = defs.SPECS[code]
            num_col, den_col = spec.columns(m.end)
            n = sum(r.get(num_col, 0) for r in counts.values())
            d = sum(r.get(den_col, 0) for r in counts.values())
            target, _origin = targets.resolve(code, m.end.year, None)
            hidden = defs.suppressed(n, d, settings.suppression_threshold)
            value = None if hidden else defs.rate(n, d)
            row[code] = {
                "value": None if value is None else str(value),
                "target": None if target is None else str(target),
                "suppressed": hidden,
            }
        points.append(row)
    return points


def _number(period: defs.Period, seq: int) -> str:
    return f"柳禁毒通〔{period.end.year}〕{seq}号"


async def publish(
    session: AsyncSession,
    settings: Settings,
    *,
    principal: Principal,
    data: BulletinCreate,
    idempotency_key: str | None,
) -> Created[BulletinRead]:
    policy.require_plan(principal)

    async def write() -> BulletinRead:
        period = defs.parse_period(data.period, "body.period")
        published_at = datetime.now(UTC)
        shared = await reports.report(
            session, settings, principal=None, period=period, published=True, with_revisions=False
        )
        exact = await reports.report(session, settings, principal=None, period=period, with_revisions=False)
        seq = (
            await session.scalar(
                select(func.count())
                .select_from(Bulletin)
                .where(func.extract("year", Bulletin.period_end) == period.end.year)
            )
        ) or 0
        bulletin = Bulletin(
            id=uuid.uuid4(),
            number=_number(period, seq + 1),
            title_zh=data.title_zh or f"柳城县“启航工程”{period.label_zh}工作进展情况通报",
            period_label=period.label,
            period_end=period.end,
            published_at=published_at,
            published_by=principal.name,
            content={
                "report": shared.model_dump(mode="json"),
                "trend": await _trend(session, settings, period),
            },
            figures=_figures(exact),
        )
        session.add(bulletin)
        await session.flush()
        return to_read(bulletin)

    return await idempotency.create(session, principal.subject, idempotency_key, OPERATION, data, BulletinRead, write)


def to_read(b: Bulletin) -> BulletinRead:
    return read_of(
        BulletinRead,
        b,
        report=ReportRead.model_validate(b.content["report"]),
        trend=b.content["trend"],
        files={
            "xlsx": f"/api/v1/bulletins/{b.id}/file?format=xlsx",
            "pdf": f"/api/v1/bulletins/{b.id}/file?format=pdf",
            **{
                f"{chart}.{fmt}": f"/api/v1/bulletins/{b.id}/charts/{chart}?format={fmt}"
                for chart in ("placement_rate", "control_rate", "consolidation_rate", "training_coverage", "trend")
                for fmt in ("png", "svg")
            },
        },
    )


async def get(session: AsyncSession, *, principal: Principal, bulletin_id: uuid.UUID) -> Bulletin:
    policy.require_bulletins(principal)
    return or_raise(await session.get(Bulletin, bulletin_id), BulletinNotFound, "No such bulletin.")


async def list_bulletins(
    session: AsyncSession, *, principal: Principal, params: PageParams, year: int | None
) -> tuple[list[BulletinSummary], str | None]:
    policy.require_bulletins(principal)
    stmt = select(Bulletin)
    if year is not None:
        stmt = stmt.where(Bulletin.period_end.between(date(year, 1, 1), date(year, 12, 31)))
    rows, cursor = await keyset_page(
        session,
        stmt,
        params,
        keys=[Bulletin.published_at, Bulletin.id],
        convert=[datetime.fromisoformat, uuid.UUID],
    )
    return [read_of(BulletinSummary, b) for b in rows], cursor


async def revisions_of(
    session: AsyncSession,
    settings: Settings,
    *,
    principal: Principal | None,
    day: date,
    current: Sequence[IndicatorFigures] = (),
) -> list[RevisionRead]:
    """Published figures of `day` that today's data would change, with how many people's standing changed."""
    bulletins = (
        await session.scalars(select(Bulletin).where(Bulletin.period_end == day).order_by(Bulletin.published_at))
    ).all()
    if not bulletins:
        return []
    exact_now: dict[str, dict[str, tuple[int, int | None]]] = {}
    counts, sites = await reports.counts_for(session, settings, day, None)
    for code in defs.FIGURE_CODES:
        spec = defs.SPECS[code]
        num_col, den_col = spec.columns(day)
        table: dict[str, tuple[int, int | None]] = {}
        for jcode in [COUNTY_CODE, *JURISDICTIONS]:
            if spec.source == "sites":
                n = sum(sites.values()) if jcode == COUNTY_CODE else sites.get(jcode, 0)
                table[jcode] = (n, None)
                continue
            rows = counts.values() if jcode == COUNTY_CODE else [counts.get(jcode, {})]
            table[jcode] = (
                sum(r.get(num_col, 0) for r in rows),
                sum(r.get(den_col, 0) for r in rows) if den_col else None,
            )
        exact_now[code] = table
    out: list[RevisionRead] = []
    for b in bulletins:
        changed: dict[tuple[str, str], set[uuid.UUID]] | None = None
        counted = True
        for code, by_jurisdiction in b.figures.items():
            spec = defs.SPECS.get(code)
            if spec is None or code not in exact_now:
                continue
            for jcode, (pn, pd) in by_jurisdiction.items():
                if principal is not None and not (jcode == COUNTY_CODE or policy.detail_for(principal, jcode)):
                    continue
                cn, cd = exact_now[code].get(jcode, (0, None))
                if (pn, pd) == (cn, cd) or pn is None:
                    continue
                if changed is None:
                    try:
                        _adjust, changed = await reports.known_at_adjustments(session, settings, day, b.published_at)
                    except reports.AsKnownTooFarBack:
                        changed = {}
                        counted = False
                num_col, den_col = spec.columns(day)
                columns = {num_col, den_col} - {None}
                records = len(
                    set().union(
                        *(ids for (col, j), ids in changed.items() if col in columns and jcode in (COUNTY_CODE, j))
                    )
                )
                out.append(
                    RevisionRead(
                        bulletin_id=str(b.id),
                        published_at=b.published_at,
                        indicator_code=code,
                        jurisdiction_code=jcode,
                        published_numerator=pn,
                        published_denominator=pd,
                        published_value=_value(spec, pn, pd),
                        current_numerator=cn,
                        current_denominator=cd,
                        current_value=_value(spec, cn, cd),
                        records_changed=records if counted else None,
                    )
                )
    return out


def _value(spec: defs.IndicatorSpec, n: int, d: int | None) -> Decimal | None:
    return defs.rate(n, d) if spec.unit == "percent" else Decimal(n)
