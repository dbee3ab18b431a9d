from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import StreamingResponse

from reporting.config import Settings
from reporting.reports import definitions as defs
from reporting.reports import policy, service
from reporting.reports.schemas import RankingRead, ReportRead, SubsidyRow, TrendRead
from shared.auth import CurrentPrincipal
from shared.db import SessionDep
from shared.errors import FieldError, problem_responses
from shared.tabular import MEDIA_TYPES, iterate, write_table

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])

Format = Literal["json", "csv", "xlsx"]
FormatQuery = Annotated[
    Format, Query(description="json (default), or the same table as csv or xlsx (Chinese headings).", examples=["xlsx"])
]
PeriodQuery = Annotated[
    str,
    Query(
        max_length=10,
        description="A date (2013-12-31), month (2013-12), quarter (2013-Q4) or year (2013): the figures of its last "
        "day.",
        examples=["2013"],
    ),
]
CodePath = Annotated[str, Path(max_length=40, pattern=r"^[a-z_]+$", examples=["placement_rate"])]
TABLE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {MEDIA_TYPES["csv"]: {}, MEDIA_TYPES["xlsx"]: {}}, "description": "The figures."}
}


def settings_of(request: Request) -> Settings:
    return request.app.state.settings


def table(fmt: str, name: str, headings: list[str], rows: list[list[Any]]) -> StreamingResponse:
    filename = f"{name}.{fmt}"
    return StreamingResponse(
        write_table(fmt, headings, iterate(rows), sheet_title=name[:31]),  # type: ignore[arg-type]
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )


@router.get(
    "/indicators",
    responses=TABLE_RESPONSES | problem_responses(403, 422),
    response_model=ReportRead,
)
async def indicators_report(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    period: PeriodQuery,
    as_known_at: Annotated[
        datetime | None,
        Query(
            description="Reproduce the report from the facts recorded by this time (RFC 3339), e.g. the year-end "
            "report as known on 2014-01-15.",
            examples=["2014-01-15T00:00:00+08:00"],
        ),
    ] = None,
    format: FormatQuery = "json",
) -> Any:
    """Every indicator for a period, county and jurisdictions, against targets, with rank, gap and data freshness."""
    if as_known_at is not None and as_known_at.tzinfo is None:
        raise defs.InvalidPeriod(
            "as_known_at needs a time zone.", errors=[FieldError(field="query.as_known_at", message="no time zone")]
        )
    result = await service.report(
        session, settings_of(request), principal=principal, period=defs.parse_period(period), known_at=as_known_at
    )
    if format == "json":
        return result
    return table(format, f"indicators-{result.period.label}", service.TABLE_HEADINGS, service.table_rows(result))


@router.get(
    "/indicators/{code}/trend", responses=TABLE_RESPONSES | problem_responses(403, 404, 422), response_model=TrendRead
)
async def indicator_trend(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    code: CodePath,
    from_: Annotated[str, Query(alias="from", max_length=10, description="First period.", examples=["2013-01"])],
    to: Annotated[str, Query(max_length=10, description="Last period.", examples=["2013-12"])],
    granularity: Annotated[
        Literal["month", "quarter", "year"], Query(description="One point per month, quarter or year.")
    ] = "month",
    jurisdiction: Annotated[
        str | None, Query(max_length=40, description="Also this jurisdiction's series.", examples=["dapu"])
    ] = None,
    format: FormatQuery = "json",
) -> Any:
    """One indicator at the end of each month, quarter or year of a range: the county and optionally a jurisdiction."""
    result = await service.trend(
        session,
        settings_of(request),
        principal=principal,
        code=code,
        first=defs.parse_period(from_, "query.from"),
        last=defs.parse_period(to, "query.to"),
        granularity=granularity,
        jurisdiction=jurisdiction,
    )
    if format == "json":
        return result
    rows = []
    for p in result.points:
        for f in (p.county, p.jurisdiction):
            if f is not None:
                rows.append([p.period.label, p.period.end, f.jurisdiction_name_zh, *service.figure_cells(f)])
    headings = ["统计期", "统计日期", "乡镇", "分子", "分母", "值", "目标", "是否达标", "差距人数"]
    return table(format, f"{code}-trend", headings, rows)


@router.get(
    "/indicators/{code}/ranking",
    responses=TABLE_RESPONSES | problem_responses(403, 404, 422),
    response_model=RankingRead,
)
async def indicator_ranking(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    code: CodePath,
    period: PeriodQuery,
    format: FormatQuery = "json",
) -> Any:
    """The jurisdictions ranked on one indicator for a period (township staff: others' small counts withheld)."""
    result = await service.ranking(
        session, settings_of(request), principal=principal, code=code, period=defs.parse_period(period)
    )
    if format == "json":
        return result
    rows = [[f.rank, f.jurisdiction_name_zh, *service.figure_cells(f)] for f in result.rows]
    headings = ["排名", "乡镇", "分子", "分母", "值", "目标", "是否达标", "差距人数"]
    return table(format, f"{code}-ranking-{result.period.label}", headings, rows)


@router.get("/subsidies", responses=TABLE_RESPONSES | problem_responses(403, 422), response_model=list[SubsidyRow])
async def subsidies_report(
    session: SessionDep,
    principal: CurrentPrincipal,
    year: Annotated[int, Query(ge=2000, le=2100, description="Decided for and paid in this year.", examples=[2013])],
    format: FormatQuery = "json",
) -> Any:
    """Subsidies decided for and paid in a year, by type and tier (CNY)."""
    policy.require_view(principal)
    result = await service.subsidies(session, year, None)
    if format == "json":
        return result
    rows = [[r.subsidy_type, r.tier, r.decisions, r.decided, r.payments, r.paid] for r in result]
    return table(
        format, f"subsidies-{year}", ["补助类型", "档次", "决定笔数", "决定金额(元)", "支付笔数", "支付金额(元)"], rows
    )
