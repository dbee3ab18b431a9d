import uuid
from datetime import datetime

from sqlalchemy import func, select, update

from shared.pagination import PageParams, keyset_page
from shared.query import Repository, where_given
from subsidy.policies.models import SubsidyPolicy

PUBLISHED_YEAR_INDEX = "uq_subsidy_policy_published_year"
# First key of the two-key advisory lock that serialises version numbering within a year (the second is the year).
POLICY_VERSION_LOCK = 0x53_50


class PolicyRepository(Repository):
    async def get(self, policy_id: uuid.UUID, *, for_update: bool = False) -> SubsidyPolicy | None:
        stmt = select(SubsidyPolicy).where(SubsidyPolicy.id == policy_id)
        if for_update:
            stmt = stmt.with_for_update(of=SubsidyPolicy)
        return await self.session.scalar(stmt.execution_options(populate_existing=True))

    async def page(
        self, params: PageParams, *, year: int | None, status: str | None
    ) -> tuple[list[SubsidyPolicy], str | None]:
        stmt = where_given(select(SubsidyPolicy), (SubsidyPolicy.year, year), (SubsidyPolicy.status, status))
        return await keyset_page(
            self.session, stmt, params, keys=[SubsidyPolicy.year, SubsidyPolicy.version], descending=True
        )

    async def previous_versions(self, policies: list[SubsidyPolicy]) -> dict[uuid.UUID, SubsidyPolicy]:
        """For each policy, the version just before it in its year (if any)."""
        wanted = {(p.year, p.version - 1) for p in policies if p.version > 1}
        if not wanted:
            return {}
        rows = await self.session.scalars(
            select(SubsidyPolicy).where(SubsidyPolicy.year.in_({year for year, _ in wanted}))
        )
        by_key = {(p.year, p.version): p for p in rows}
        return {p.id: by_key[(p.year, p.version - 1)] for p in policies if (p.year, p.version - 1) in by_key}

    async def published_in(self, year: int, *, for_update: bool = False) -> SubsidyPolicy | None:
        stmt = select(SubsidyPolicy).where(SubsidyPolicy.year == year, SubsidyPolicy.status == "published")
        return await self.one(stmt, for_update=for_update, fresh=True)

    async def next_version(self, year: int) -> int:
        """Lock the year until the transaction ends, so two drafts written at once cannot take the same number."""
        await self.session.execute(select(func.pg_advisory_xact_lock(POLICY_VERSION_LOCK, year)))
        latest = await self.session.scalar(select(func.max(SubsidyPolicy.version)).where(SubsidyPolicy.year == year))
        return (latest or 0) + 1

    async def mark_used(self, policy_id: uuid.UUID, at: datetime) -> None:
        """Record that decisions rest on this version (first time only)."""
        await self.session.execute(
            update(SubsidyPolicy)
            .where(SubsidyPolicy.id == policy_id, SubsidyPolicy.first_used_at.is_(None))
            .values(first_used_at=at)
            .execution_options(synchronize_session=False)
        )
