from decimal import Decimal

from sqlalchemy import select, update

from shared.query import Repository, where_given
from subsidy.budgets.models import SubsidyBudget

COMMITTED_CHECK = "ck_subsidy_budget_committed_within_budget"
PAID_CHECK = "ck_subsidy_budget_paid_within_committed"


class BudgetRepository(Repository):
    async def get(self, year: int, subsidy_type: str, *, for_update: bool = False) -> SubsidyBudget | None:
        stmt = select(SubsidyBudget).where(SubsidyBudget.year == year, SubsidyBudget.subsidy_type == subsidy_type)
        return await self.one(stmt, for_update=for_update, fresh=True)

    async def of_year(self, year: int) -> dict[str, SubsidyBudget]:
        rows = await self.session.scalars(select(SubsidyBudget).where(SubsidyBudget.year == year))
        return {b.subsidy_type: b for b in rows}

    async def page(self, year: int | None) -> list[SubsidyBudget]:
        stmt = where_given(select(SubsidyBudget), (SubsidyBudget.year, year))
        return list(await self.session.scalars(stmt.order_by(SubsidyBudget.year.desc(), SubsidyBudget.subsidy_type)))

    async def commit_amount(self, year: int, subsidy_type: str, amount: Decimal) -> None:
        """Add an approval to `committed` (the row must be locked by the caller; the CHECK holds the limit)."""
        await self.session.execute(
            update(SubsidyBudget)
            .where(SubsidyBudget.year == year, SubsidyBudget.subsidy_type == subsidy_type)
            .values(committed=SubsidyBudget.committed + amount, row_version=SubsidyBudget.row_version + 1)
            .execution_options(synchronize_session=False)
        )

    async def add_paid(self, year: int, subsidy_type: str, amount: Decimal) -> None:
        await self.session.execute(
            update(SubsidyBudget)
            .where(SubsidyBudget.year == year, SubsidyBudget.subsidy_type == subsidy_type)
            .values(paid=SubsidyBudget.paid + amount, row_version=SubsidyBudget.row_version + 1)
            .execution_options(synchronize_session=False)
        )
