import asyncio
import uuid
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request, Response

from reporting.bulletins import render, service
from reporting.bulletins.schemas import BulletinCreate, BulletinRead, BulletinSummary
from shared.auth import CurrentPrincipal
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.idempotency import IdempotencyKeyHeader, send_created
from shared.pagination import Page, PageParamsDep
from shared.routes import creates

router = APIRouter(prefix="/api/v1/bulletins", tags=["bulletins"])
BulletinId = Annotated[uuid.UUID, Path(description="The bulletin's id.")]
FILE_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "png": "image/png",
    "svg": "image/svg+xml",
}


def _attachment(data: bytes, fmt: str, name: str) -> Response:
    return Response(
        data,
        media_type=FILE_TYPES[fmt],
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
    )


@router.post("", **creates(403, 409, 422))
async def publish_bulletin(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    data: BulletinCreate,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> BulletinRead:
    """Publish a bulletin (通报) for a period: its figures are frozen now, small counts suppressed, safe to share."""
    created = await service.publish(
        session, request.app.state.settings, principal=principal, data=data, idempotency_key=idempotency_key
    )
    return send_created(response, created, location=f"/api/v1/bulletins/{created.item.id}")


@router.get("", responses=problem_responses(403))
async def list_bulletins(
    session: SessionDep,
    principal: CurrentPrincipal,
    params: PageParamsDep,
    year: Annotated[int | None, Query(ge=2000, le=2100, description="Only bulletins on periods of this year.")] = None,
) -> Page[BulletinSummary]:
    """List published bulletins, newest first."""
    return Page.of(await service.list_bulletins(session, principal=principal, params=params, year=year), params)


@router.get("/{bulletin_id}", responses=problem_responses(403, 404))
async def get_bulletin(session: SessionDep, principal: CurrentPrincipal, bulletin_id: BulletinId) -> BulletinRead:
    """Read a published bulletin: its frozen figures, trend and where its files are."""
    return service.to_read(await service.get(session, principal=principal, bulletin_id=bulletin_id))


@router.get(
    "/{bulletin_id}/file",
    responses={200: {"content": {FILE_TYPES["xlsx"]: {}, FILE_TYPES["pdf"]: {}}, "description": "The bulletin."}}
    | problem_responses(403, 404, 422),
    response_class=Response,
)
async def bulletin_file(
    session: SessionDep,
    principal: CurrentPrincipal,
    bulletin_id: BulletinId,
    format: Annotated[Literal["xlsx", "pdf"], Query(description="xlsx (with native Excel charts) or pdf.")],
) -> Any:
    """Download a bulletin as XLSX (native charts, Chinese headings) or PDF (Chinese, charts), as published."""
    bulletin = await service.get(session, principal=principal, bulletin_id=bulletin_id)
    meta = service.to_read(bulletin).model_dump(mode="json", exclude={"report", "trend"})
    draw = render.xlsx if format == "xlsx" else render.pdf
    data = await asyncio.to_thread(draw, bulletin.content, meta)
    return _attachment(data, format, f"通报-{bulletin.period_label}.{format}")


@router.get(
    "/{bulletin_id}/charts/{chart}",
    responses={200: {"content": {FILE_TYPES["png"]: {}, FILE_TYPES["svg"]: {}}, "description": "The chart."}}
    | problem_responses(403, 404, 422),
    response_class=Response,
)
async def bulletin_chart(
    session: SessionDep,
    principal: CurrentPrincipal,
    bulletin_id: BulletinId,
    chart: Annotated[
        Literal["placement_rate", "control_rate", "consolidation_rate", "training_coverage", "trend"],
        Path(description="A rate by jurisdiction against its target line, or the county's 12-month trend."),
    ],
    format: Annotated[Literal["png", "svg"], Query(description="png or svg.")] = "png",
) -> Any:
    """Download one of a bulletin's charts as PNG or SVG."""
    bulletin = await service.get(session, principal=principal, bulletin_id=bulletin_id)
    data = await asyncio.to_thread(render.chart, bulletin.content, chart, format)
    return _attachment(data, format, f"{chart}-{bulletin.period_label}.{format}")
