from datetime import date
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession

from placement.auditing import audited
from placement.employers.filters import EmployerFilterDep
from placement.exports import service
from placement.placements.filters import PlacementFilterDep
from shared.auth import CurrentPrincipal, Principal, require_scopes
from shared.db import get_session
from shared.errors import problem_responses
from shared.tabular import MEDIA_TYPES, Format, write_table

router = APIRouter(tags=["placement-exports"])

# Request scope (FastAPI's default), unlike SessionDep: the session stays open while the file streams, after the
# route has returned. The placement export commits its audit entry itself before it returns, so no data leaves
# unaudited.
StreamingSessionDep = Annotated[AsyncSession, Depends(get_session)]
Reader = Annotated[Principal, Depends(require_scopes("placement:read"))]
FormatQuery = Annotated[
    Literal["csv", "xlsx"], Query(description="csv (UTF-8 with BOM, opens in Excel) or xlsx.", examples=["xlsx"])
]
FILE_RESPONSES = {
    200: {
        "description": "The file (Content-Disposition: attachment), streamed.",
        "content": {MEDIA_TYPES["csv"]: {}, MEDIA_TYPES["xlsx"]: {}},
    },
    **problem_responses(400, 403, 422),
}


def _attachment(rows, *, fmt: Format, headings: list[str], title_zh: str, slug: str) -> StreamingResponse:
    today = f"{date.today():%Y%m%d}"
    return StreamingResponse(
        write_table(fmt, headings, rows, sheet_title=title_zh),
        media_type=MEDIA_TYPES[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{slug}-{today}.{fmt}"; '
            f"filename*=UTF-8''{quote(f'{title_zh}-{today}.{fmt}')}"
        },
    )


@router.get("/api/v1/employers/export", responses=FILE_RESPONSES, response_class=StreamingResponse)
async def export_employers(
    session: StreamingSessionDep, principal: Reader, filters: EmployerFilterDep, format: FormatQuery = "csv"
) -> StreamingResponse:
    """Export the employers you may see, with the list's filters, as CSV or XLSX (Chinese headings).

    The same filters and order as `GET /api/v1/employers`, over every page; township staff get their own
    jurisdiction's employers. The columns are the import's headings (the first contact as 联系人 / 联系电话), then
    启航企业, 认定状态, 登记时间 and 单位编号, which the import ignores: a corrected export imports again with
    `POST /api/v1/placement-imports?kind=employers`."""
    ids = await service.employer_ids(session, principal=principal, filters=filters)
    rows = service.employer_rows(session, principal=principal, ids=ids)
    return _attachment(rows, fmt=format, headings=service.EMPLOYER_HEADINGS, title_zh="用人单位名单", slug="employers")


@router.get("/api/v1/placements/export", responses=FILE_RESPONSES, response_class=StreamingResponse)
async def export_placements(
    session: StreamingSessionDep, principal: CurrentPrincipal, filters: PlacementFilterDep, format: FormatQuery = "csv"
) -> StreamingResponse:
    """Export the placements you may see, with the list's filters, as CSV or XLSX (Chinese headings).

    The same filters and order as `GET /api/v1/placements` (newest first), over every page; township staff get
    their jurisdiction's people, an employer's client its own placements. One audit entry names every person
    exported, committed before the file is sent. People appear by registry id (人员编号), never by name or ID
    number. The columns are the import's headings (用人单位 as its credit code, or its name without one), then
    单位名称, 所属乡镇, 状态, 结束日期, 结束原因 and 安置记录编号, which the import ignores: a corrected export
    imports again with `POST /api/v1/placement-imports?kind=placements` (placements already recorded are skipped)."""
    async with audited(session, principal, "placement.export") as trail:
        ids, person_ids = await service.placement_ids(session, principal=principal, filters=filters)
        trail.resource_ids = person_ids
    await session.commit()
    rows = service.placement_rows(session, principal=principal, ids=ids)
    return _attachment(rows, fmt=format, headings=service.PLACEMENT_HEADINGS, title_zh="安置记录", slug="placements")
