import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from placement.employers.policy import Scope
from placement.sites.models import PlacementSite
from shared.pagination import PageParams, keyset_page


@dataclass(frozen=True, slots=True)
class SiteFilter:
    employer_id: uuid.UUID | None = None
    jurisdiction_code: str | None = None
    kind: str | None = None
    mode: str | None = None
    status: str | None = None
    open_on: date | None = None


def within(stmt: Select, scope: Scope) -> Select:
    """Only the sites that exist for a caller with this scope."""
    if scope.jurisdiction is not None:
        stmt = stmt.where(PlacementSite.jurisdiction_code == scope.jurisdiction)
    if scope.employer_id is not None:
        stmt = stmt.where(PlacementSite.employer_id == scope.employer_id)
    return stmt


def open_on(day: date):
    """SQL: designated by `day` and not closed by then (a site closed on a day is no longer open that day)."""
    return PlacementSite.designated_on <= day, or_(PlacementSite.closed_on.is_(None), PlacementSite.closed_on > day)


class SiteRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, site: PlacementSite) -> PlacementSite:
        self.session.add(site)
        await self.session.flush()
        return site

    async def get(self, site_id: uuid.UUID, scope: Scope, *, for_update: bool = False) -> PlacementSite | None:
        stmt = within(select(PlacementSite).where(PlacementSite.id == site_id), scope)
        if for_update:
            stmt = stmt.with_for_update()
        return await self.session.scalar(stmt)

    async def page(
        self, filters: SiteFilter, params: PageParams, scope: Scope
    ) -> tuple[list[PlacementSite], str | None]:
        stmt = within(select(PlacementSite), scope)
        for column, value in (
            (PlacementSite.employer_id, filters.employer_id),
            (PlacementSite.jurisdiction_code, filters.jurisdiction_code),
            (PlacementSite.kind, filters.kind),
            (PlacementSite.mode, filters.mode),
            (PlacementSite.status, filters.status),
        ):
            if value is not None:
                stmt = stmt.where(column == value)
        if filters.open_on is not None:
            stmt = stmt.where(*open_on(filters.open_on))
        return await keyset_page(
            self.session,
            stmt,
            params,
            keys=[PlacementSite.designated_on, PlacementSite.id],
            convert=[date.fromisoformat, uuid.UUID],
        )

    async def count_open(self, day: date, kind: str, scope: Scope, *, jurisdiction_code: str | None) -> dict[str, int]:
        """Open sites of `kind` on `day`, by jurisdiction (only those with any)."""
        stmt = within(
            select(PlacementSite.jurisdiction_code, func.count())
            .where(PlacementSite.kind == kind, *open_on(day))
            .group_by(PlacementSite.jurisdiction_code),
            scope,
        )
        if jurisdiction_code is not None:
            stmt = stmt.where(PlacementSite.jurisdiction_code == jurisdiction_code)
        return {code: n for code, n in (await self.session.execute(stmt)).all()}
