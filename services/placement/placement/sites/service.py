"""Rules for placement sites: who may see and change which (the employers' policy), dates that make sense, If-Match
on changes, closing once, and the count of open sites on a day that the placement-point target reads."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from placement.employers import policy
from placement.employers.exceptions import EmployerNotFound, OutsideJurisdiction
from placement.employers.service import visible_employer
from placement.events import outbox
from placement.idempotency import store as idempotency
from placement.sites.exceptions import SiteClosed, SiteNotFound
from placement.sites.models import PlacementSite
from placement.sites.repository import SiteFilter, SiteRepository
from placement.sites.schemas import (
    COUNT_DEFINITION,
    LABELS_ZH,
    JurisdictionCount,
    PlacementSiteClose,
    PlacementSiteCount,
    PlacementSiteCreate,
    PlacementSiteRead,
    PlacementSiteUpdate,
)
from shared.auth import Principal
from shared.concurrency import require_version
from shared.errors import FieldError, InvalidInput
from shared.idempotency import Created
from shared.pagination import PageParams
from shared.query import or_raise
from shared.reads import apply_changes, fields_of, read_of
from shared.reference import JURISDICTIONS

CREATE_OPERATION = "POST /api/v1/placement-sites"


def to_read(site: PlacementSite) -> PlacementSiteRead:
    return read_of(
        PlacementSiteRead,
        site,
        kind_label_zh=LABELS_ZH["kind"][site.kind],
        mode_label_zh=LABELS_ZH["mode"][site.mode],
        jurisdiction_name_zh=JURISDICTIONS[site.jurisdiction_code][0],
        status_label_zh=LABELS_ZH["status"][site.status],
    )


async def _emit(session: AsyncSession, kind: str, site: PlacementSite, **extra: Any) -> None:
    """An event of the site, in the same transaction: its designation data and version, and `extra`."""
    data = {
        "site_id": site.id,
        **fields_of(
            site,
            "employer_id",
            "kind",
            "mode",
            "jurisdiction_code",
            "designated_on",
            "closed_on",
            "capacity",
            "version",
        ),
        **extra,
    }
    await outbox.emit(session, kind=kind, aggregate_type="placement_site", aggregate_id=site.id, data=data)


async def visible_site(
    session: AsyncSession, principal: Principal, site_id: uuid.UUID, *, write: bool = False
) -> PlacementSite:
    scope = policy.require_write(principal, "sites") if write else policy.require_read(principal, "sites")
    return or_raise(
        await SiteRepository(session).get(site_id, scope, for_update=write), SiteNotFound, "No such placement site."
    )


async def list_sites(
    session: AsyncSession, *, principal: Principal, filters: SiteFilter, params: PageParams
) -> tuple[list[PlacementSiteRead], str | None]:
    scope = policy.require_read(principal, "sites")
    rows, cursor = await SiteRepository(session).page(filters, params, scope)
    return [to_read(s) for s in rows], cursor


async def get_site(session: AsyncSession, *, principal: Principal, site_id: uuid.UUID) -> PlacementSiteRead:
    return to_read(await visible_site(session, principal, site_id))


async def count_sites(
    session: AsyncSession, *, principal: Principal, on: date, kind: str, jurisdiction_code: str | None
) -> PlacementSiteCount:
    scope = policy.require_read(principal, "sites")
    counts = await SiteRepository(session).count_open(on, kind, scope, jurisdiction_code=jurisdiction_code)
    return PlacementSiteCount(
        on=on,
        kind=kind,
        jurisdiction_code=jurisdiction_code,
        count=sum(counts.values()),
        by_jurisdiction=[
            JurisdictionCount(jurisdiction_code=code, jurisdiction_name_zh=JURISDICTIONS[code][0], count=n)
            for code, n in sorted(counts.items(), key=lambda item: list(JURISDICTIONS).index(item[0]))
        ],
        definition=COUNT_DEFINITION,
    )


async def create_site(
    session: AsyncSession, *, principal: Principal, data: PlacementSiteCreate, idempotency_key: str | None
) -> Created[PlacementSiteRead]:
    scope = policy.require_write(principal, "sites")
    if scope.jurisdiction is not None and data.jurisdiction_code not in (None, scope.jurisdiction):
        raise OutsideJurisdiction("You may only designate sites in your own jurisdiction.")

    async def write() -> PlacementSiteRead:
        try:
            employer = await visible_employer(session, principal, data.employer_id, resource="sites", write=True)
        except EmployerNotFound as exc:
            raise InvalidInput(
                "No employer you may see has this id.",
                errors=[FieldError(field="body.employer_id", message="no such employer")],
            ) from exc
        site = PlacementSite(
            employer_id=employer.id,
            kind=data.kind,
            mode=data.mode,
            jurisdiction_code=data.jurisdiction_code or employer.jurisdiction_code,
            name=data.name,
            address=data.address,
            designated_on=data.designated_on,
            capacity=data.capacity,
            status="open",
        )
        await SiteRepository(session).add(site)
        await _emit(session, "site.designated", site)
        return to_read(site)

    return await idempotency.create(
        session, principal.subject, idempotency_key, CREATE_OPERATION, data, PlacementSiteRead, write
    )


async def update_site(
    session: AsyncSession,
    *,
    principal: Principal,
    site_id: uuid.UUID,
    data: PlacementSiteUpdate,
    if_match: str | None,
) -> PlacementSiteRead:
    site = await visible_site(session, principal, site_id, write=True)
    require_version(if_match, site.version)
    changes = data.model_dump(exclude_unset=True)
    designated_on = changes.get("designated_on", site.designated_on)
    if site.closed_on is not None and designated_on > site.closed_on:
        raise InvalidInput(
            "A site cannot be designated after it closed.",
            errors=[FieldError(field="body.designated_on", message=f"must be on or before {site.closed_on}")],
        )
    changed = sorted(apply_changes(site, changes))
    if changed:
        await session.flush()
        await session.refresh(site)
        await _emit(session, "site.updated", site, fields=changed)
    return to_read(site)


async def close_site(
    session: AsyncSession,
    *,
    principal: Principal,
    site_id: uuid.UUID,
    data: PlacementSiteClose,
    if_match: str | None,
) -> PlacementSiteRead:
    site = await visible_site(session, principal, site_id, write=True)
    require_version(if_match, site.version)
    if site.status == "closed":
        raise SiteClosed(f"The site closed on {site.closed_on.isoformat()}.")
    if data.closed_on < site.designated_on:
        raise InvalidInput(
            "A site cannot close before it was designated.",
            errors=[FieldError(field="body.closed_on", message=f"must be on or after {site.designated_on}")],
        )
    site.status = "closed"
    site.closed_on = data.closed_on
    site.closed_reason = data.reason
    await session.flush()
    await session.refresh(site)
    await _emit(session, "site.closed", site)
    return to_read(site)
