import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.pagination import PageParams, keyset_page
from subsidy.policies.models import SubsidyPolicy

PUBLISHED_YEAR_INDEX = "uq_subsidy_policy_published_year"
# First key of the two-key advisory lock that serialises version numbering within a year (the second is the year).
POLICY_VERSION_LOCK = 0x53_50


class PolicyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, policy_id: uuid.UUID, *, for_update: bool = False) -> SubsidyPolicy | None:
        stmt = select(SubsidyPolicy).where(SubsidyPolicy.id == policy_id)
        if for_update:
            stmt = stmt.with_for_update(of=SubsidyPolicy)
        return await self.session.scalar(stmt)

    async def page(
        self, params: PageParams, *, year: int | None, status: str | None
    ) -> tuple[list[SubsidyPolicy], str | None]:
        stmt = select(SubsidyPolicy)
        if year is not None:
            stmt = stmt.where(SubsidyPolicy.year == year)
        if status is not None:
            stmt = stmt.where(SubsidyPolicy.status == status)
        return await keyset_page(
            self.session, stmt, params, keys=[SubsidyPolicy.year, SubsidyPolicy.version], descending=True
        )

    async def published_in(self, year: int) -> SubsidyPolicy | None:
        return await self.session.scalar(
            select(SubsidyPolicy).where(SubsidyPolicy.year == year, SubsidyPolicy.status == "published")
        )

    async def next_version(self, year: int) -> int:
        """Lock the year until the transaction ends, so two drafts written at once cannot take the same number."""
        await self.session.execute(select(func.pg_advisory_xact_lock(POLICY_VERSION_LOCK, year)))
        latest = await self.session.scalar(select(func.max(SubsidyPolicy.version)).where(SubsidyPolicy.year == year))
        return (latest or 0) + 1

    async def add(self, policy: SubsidyPolicy) -> SubsidyPolicy:
        self.session.add(policy)
        await self.session.flush()
        return policy

    async def flush(self) -> None:
        await self.session.flush()
