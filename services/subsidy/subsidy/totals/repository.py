from sqlalchemy import func, select

from shared.query import Repository
from subsidy.applications.models import SubsidyApplication
from subsidy.decisions.models import SubsidyDecisionTotal


class TotalsRepository(Repository):
    async def decisions(self, year: int, jurisdiction: str | None) -> list:
        """The current decisions of the year by type, tier and jurisdiction (count, paying, people, amount): the
        rows an evaluation keeps summed beside the decisions it writes (subsidy_decision_total)."""
        t = SubsidyDecisionTotal
        stmt = select(t.subsidy_type, t.tier, t.jurisdiction_code, t.decisions, t.paying, t.qualifying, t.amount).where(
            t.year == year
        )
        if jurisdiction is not None:
            stmt = stmt.where(t.jurisdiction_code == jurisdiction)
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
