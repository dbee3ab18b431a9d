from datetime import date
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from shared.auth import CurrentPrincipal
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.tabular import MEDIA_TYPES, Format, iterate, write_table
from subsidy.applications.router import ApplicationFilterDep
from subsidy.auditing import audited
from subsidy.decisions.router import DecisionFilterDep
from subsidy.exports import service

router = APIRouter(tags=["subsidy-exports"])
FormatQuery = Annotated[
    Literal["csv", "xlsx"], Query(description="csv (UTF-8 with BOM, opens in Excel) or xlsx.", examples=["xlsx"])
]
FILE_RESPONSES = {
    200: {
        "description": "The file (Content-Disposition: attachment).",
        "content": {MEDIA_TYPES["csv"]: {}, MEDIA_TYPES["xlsx"]: {}},
    },
    **problem_responses(403, 422),
}


def _attachment(rows, *, fmt: Format, headings: list[str], title_zh: str, slug: str) -> StreamingResponse:
    today = f"{date.today():%Y%m%d}"
    return StreamingResponse(
        write_table(fmt, headings, iterate(rows), sheet_title=title_zh),
        media_type=MEDIA_TYPES[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{slug}-{today}.{fmt}"; '
            f"filename*=UTF-8''{quote(f'{title_zh}-{today}.{fmt}')}"
        },
    )


@router.get("/api/v1/subsidy-decisions/export", responses=FILE_RESPONSES, response_class=StreamingResponse)
async def export_subsidy_decisions(
    session: SessionDep, principal: CurrentPrincipal, filters: DecisionFilterDep, format: FormatQuery = "csv"
) -> StreamingResponse:
    """Export the decisions you may see, with the list's filters, as CSV or XLSX (Chinese headings).

    Columns: 年度, 补助类型, 受益对象类型, 受益对象编号 (employer id or the person's registry id), 所属乡镇, 决定版本,
    是否现行, 政策版本, 符合条件人数, 档次, 金额（元）, 决定时间, 决定编号. One audit entry names every decision and
    beneficiary exported."""
    async with audited(session, principal, "subsidy_decision.export", resource_type="subsidy_decision") as trail:
        rows, trail.resource_ids = await service.decision_rows(session, principal=principal, filters=filters)
    return _attachment(
        rows, fmt=format, headings=service.DECISION_HEADINGS, title_zh="补助决定", slug="subsidy-decisions"
    )


@router.get("/api/v1/subsidy-applications/export", responses=FILE_RESPONSES, response_class=StreamingResponse)
async def export_subsidy_applications(
    session: SessionDep, principal: CurrentPrincipal, filters: ApplicationFilterDep, format: FormatQuery = "csv"
) -> StreamingResponse:
    """Export the applications you may see, with the list's filters, as CSV or XLSX (Chinese headings).

    Columns: 年度, 补助类型, 受益对象类型, 受益对象编号, 所属乡镇, 金额（元）, 申请状态, 拨付日期, 凭证号,
    拨付金额（元）, 申请时间, 申请编号, 决定编号. One audit entry names every application and beneficiary exported."""
    async with audited(session, principal, "subsidy_application.export", resource_type="subsidy_application") as trail:
        rows, trail.resource_ids = await service.application_rows(session, principal=principal, filters=filters)
    return _attachment(
        rows, fmt=format, headings=service.APPLICATION_HEADINGS, title_zh="补助申请", slug="subsidy-applications"
    )
