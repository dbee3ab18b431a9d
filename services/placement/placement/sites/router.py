import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from placement.employers.schemas import JurisdictionCode
from placement.sites import service
from placement.sites.repository import SiteFilter
from placement.sites.schemas import (
    PlacementSiteClose,
    PlacementSiteCount,
    PlacementSiteCreate,
    PlacementSiteRead,
    PlacementSiteUpdate,
    SiteKind,
    SiteMode,
    SiteStatus,
)
from shared.auth import Principal, require_scopes
from shared.concurrency import IfMatch, send_versioned
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.idempotency import IdempotencyKeyHeader
from shared.pagination import Page, PageParamsDep
from shared.routes import creates, send_created_at, versioned

router = APIRouter(prefix="/api/v1/placement-sites", tags=["placement-sites"])
Reader = Annotated[Principal, Depends(require_scopes("placement:read"))]
Writer = Annotated[Principal, Depends(require_scopes("placement:write"))]


@router.get("", responses=problem_responses(400, 403, 422))
async def list_sites(
    session: SessionDep,
    principal: Reader,
    params: PageParamsDep,
    employer_id: Annotated[uuid.UUID | None, Query(description="Only this employer's sites.")] = None,
    jurisdiction_code: Annotated[JurisdictionCode | None, Query(description="Only this jurisdiction.")] = None,
    kind: Annotated[SiteKind | None, Query(description="Only bases or only points.")] = None,
    mode: Annotated[SiteMode | None, Query(description="Only centralised or only dispersed sites.")] = None,
    status: Annotated[SiteStatus | None, Query(description="Only open or only closed sites.")] = None,
    open_on: Annotated[date | None, Query(description="Only sites open on this day.")] = None,
) -> Page[PlacementSiteRead]:
    """List placement bases and points, earliest designated first; township staff see only their jurisdiction's."""
    filters = SiteFilter(
        employer_id=employer_id,
        jurisdiction_code=jurisdiction_code,
        kind=kind,
        mode=mode,
        status=status,
        open_on=open_on,
    )
    return Page.of(await service.list_sites(session, principal=principal, filters=filters, params=params), params)


@router.get("/count", responses=problem_responses(403, 422))
async def count_sites(
    session: SessionDep,
    principal: Reader,
    on: Annotated[date, Query(description="The day to count on.", examples=["2014-12-31"])],
    jurisdiction_code: Annotated[
        JurisdictionCode | None, Query(description="Only this jurisdiction; omitted: the whole county.")
    ] = None,
    kind: Annotated[SiteKind, Query(description="point (the target's 安置点, default) or base.")] = "point",
) -> PlacementSiteCount:
    """How many placement points (or bases) were open on a day, county-wide or in one jurisdiction.

    This is what the target "3 or more Qihang placement points within three years" reads. Township staff and
    employers' systems count only what they may see."""
    return await service.count_sites(
        session, principal=principal, on=on, kind=kind, jurisdiction_code=jurisdiction_code
    )


@router.post(
    "",
    **creates(403, 409, 422, etag=True),
    response_description="The site designated (or, on a retry with the same Idempotency-Key, the first result).",
)
async def create_site(
    session: SessionDep,
    principal: Writer,
    body: PlacementSiteCreate,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> PlacementSiteRead:
    """Designate a placement base or point with an employer; township staff only in their own jurisdiction."""
    created = await service.create_site(session, principal=principal, data=body, idempotency_key=idempotency_key)
    return send_created_at(response, created, router.prefix, versioned=True)


@router.get("/{site_id}", **versioned(403, 404, 422))
async def get_site(session: SessionDep, principal: Reader, site_id: uuid.UUID, response: Response) -> PlacementSiteRead:
    """Get one placement site, with its version as ETag."""
    return send_versioned(response, await service.get_site(session, principal=principal, site_id=site_id))


@router.patch("/{site_id}", **versioned(403, 404, 412, 422, 428))
async def update_site(
    session: SessionDep,
    principal: Writer,
    site_id: uuid.UUID,
    body: PlacementSiteUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> PlacementSiteRead:
    """Change a site's name, address, mode, capacity or designation date (If-Match required)."""
    return send_versioned(
        response, await service.update_site(session, principal=principal, site_id=site_id, data=body, if_match=if_match)
    )


@router.post("/{site_id}/close", **versioned(403, 404, 409, 412, 422, 428))
async def close_site(
    session: SessionDep,
    principal: Writer,
    site_id: uuid.UUID,
    body: PlacementSiteClose,
    response: Response,
    if_match: IfMatch = None,
) -> PlacementSiteRead:
    """Close a site from a day on (If-Match required); it stays on record and in past counts."""
    return send_versioned(
        response, await service.close_site(session, principal=principal, site_id=site_id, data=body, if_match=if_match)
    )
