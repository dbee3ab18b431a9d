from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from subsidy.applications.models import SubsidyApplication
from subsidy.decisions.models import SubsidyDecision


class TotalsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def decisions(self, year: int, jurisdiction: str | None) -> list:
        """The current decisions of the year grouped by type, tier and jurisdiction: count, people, amount. Only
        columns of ix_subsidy_decision_year_current, so PostgreSQL answers from the index alone."""
        d = SubsidyDecision
        stmt = (
            select(
                d.subsidy_type,
                d.tier,
                d.jurisdiction_code,
                func.count().label("decisions"),
                func.count().filter(d.amount > 0).label("paying"),
                func.sum(d.qualifying_count).label("qualifying"),
                func.sum(d.amount).label("amount"),
            )
            .where(d.year == year, d.is_current)
            .group_by(d.subsidy_type, d.tier, d.jurisdiction_code)
        )
        if jurisdiction is not None:
            stmt = stmt.where(d.jurisdiction_code == jurisdiction)
        return list((await self.session.execute(stmt)).all())

    async def applications(self, year: int, jurisdiction: str | None) -> list:
        a = SubsidyApplication
        stmt = (
            select(a.subsidy_type, a.status, func.count().label("applications"), func.sum(a.amount).label("amount"))
            .where(a.year == year)
            .group_by(a.subsidy_type, a.status)
        )
        if jurisdiction is not None:
            stmt = stmt.where(a.jurisdiction_code == jurisdiction)
        return list((await self.session.execute(stmt)).all())
