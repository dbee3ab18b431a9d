import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select

from placement.employers.policy import Scope
from placement.sites.models import PlacementSite
from shared.pagination import PageParams, keyset_by
from shared.query import Repository, seen_limits, where_fields, where_seen


@dataclass(frozen=True, slots=True)
class SiteFilter:
    employer_id: uuid.UUID | None = None
    jurisdiction_code: str | None = None
    kind: str | None = None
    mode: str | None = None
    status: str | None = None
    open_on: date | None = None


def open_on(day: date):
    """SQL: designated by `day` and not closed by then (a site closed on a day is no longer open that day)."""
    return PlacementSite.designated_on <= day, or_(PlacementSite.closed_on.is_(None), PlacementSite.closed_on > day)


class SiteRepository(Repository):
    async def get(self, site_id: uuid.UUID, scope: Scope, *, for_update: bool = False) -> PlacementSite | None:
        return await self.by_id(PlacementSite, site_id, *seen_limits(scope, PlacementSite), for_update=for_update)

    async def page(
        self, filters: SiteFilter, params: PageParams, scope: Scope
    ) -> tuple[list[PlacementSite], str | None]:
        equal = ("employer_id", "jurisdiction_code", "kind", "mode", "status")
        stmt = where_fields(where_seen(select(PlacementSite), PlacementSite, scope), PlacementSite, filters, *equal)
        if filters.open_on is not None:
            stmt = stmt.where(*open_on(filters.open_on))
        return await keyset_by(self.session, stmt, params, PlacementSite.designated_on, PlacementSite.id)

    async def count_open(self, day: date, kind: str, scope: Scope, *, jurisdiction_code: str | None) -> dict[str, int]:
        """Open sites of `kind` on `day`, by jurisdiction (only those with any)."""
        stmt = where_seen(
            select(PlacementSite.jurisdiction_code, func.count())
            .where(PlacementSite.kind == kind, *open_on(day))
            .group_by(PlacementSite.jurisdiction_code),
            PlacementSite,
            scope,
        )
        if jurisdiction_code is not None:
            stmt = stmt.where(PlacementSite.jurisdiction_code == jurisdiction_code)
        return {code: n for code, n in (await self.session.execute(stmt)).all()}
