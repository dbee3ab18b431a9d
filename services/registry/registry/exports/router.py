from datetime import date
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession

from registry.exports import service
from registry.persons.auditing import audited
from registry.persons.dependencies import CipherDep
from registry.persons.filters import PersonFilterDep
from registry.persons.router import Sort
from shared.auth import CurrentPrincipal
from shared.db import get_session
from shared.errors import problem_responses
from shared.tabular import MEDIA_TYPES, write_table

router = APIRouter(prefix="/api/v1/persons", tags=["person-exports"])

# Request scope (FastAPI's default), unlike SessionDep: the session stays open while the file streams, after the
# route has returned. The route commits the audit entry itself before it returns, so no data leaves unaudited.
StreamingSessionDep = Annotated[AsyncSession, Depends(get_session)]


@router.get(
    "/export",
    responses={
        200: {
            "description": "The file (Content-Disposition: attachment), streamed.",
            "content": {MEDIA_TYPES["csv"]: {}, MEDIA_TYPES["xlsx"]: {}},
        },
        **problem_responses(400, 403, 422),
    },
    response_class=StreamingResponse,
)
async def export_persons(
    session: StreamingSessionDep,
    principal: CurrentPrincipal,
    filters: PersonFilterDep,
    cipher: CipherDep,
    format: Annotated[
        Literal["csv", "xlsx"], Query(description="csv (UTF-8 with BOM, opens in Excel) or xlsx.", examples=["xlsx"])
    ] = "csv",
    sort: Sort = "name",
    id_numbers: Annotated[
        service.IdNumbers,
        Query(
            description="masked (default): area code and last four; full: only for departments that may see full "
            "ID numbers (the export's audit entry says so).",
            examples=["masked"],
        ),
    ] = "masked",
) -> StreamingResponse:
    """Export the people you may see, with the list's filters, as CSV or XLSX (Chinese headings).

    The same filters and sort as `GET /api/v1/persons`, over every page. One audit entry names every person
    exported, committed before the file is sent. The columns are the import's headings, so a corrected export can
    be imported again (with full ID numbers)."""
    operation = "person.export" if id_numbers == "masked" else "person.export.unmasked"
    async with audited(session, principal, operation) as trail:
        service.require_id_numbers(principal, id_numbers)
        ids = await service.collect_ids(session, principal=principal, filters=filters, sort=sort)
        trail.resource_ids = ids
    await session.commit()
    rows = service.rows(session, principal=principal, ids=ids, id_numbers=id_numbers, cipher=cipher)
    name = f"人员名单-{date.today():%Y%m%d}.{format}"
    return StreamingResponse(
        write_table(format, service.HEADINGS, rows, sheet_title="人员名单"),
        media_type=MEDIA_TYPES[format],
        headers={
            "Content-Disposition": f'attachment; filename="persons-{date.today():%Y%m%d}.{format}"; '
            f"filename*=UTF-8''{quote(name)}"
        },
    )
