"""Budgets per year and subsidy type: set by finance (create, or change with If-Match), never below what is
committed; approvals and payments move `committed` and `paid` (subsidy.applications)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.concurrency import require_version
from shared.query import or_raise
from shared.reads import read_of
from subsidy.budgets import policy
from subsidy.budgets.exceptions import BudgetBelowCommitted, BudgetNotFound, NoMoneyType
from subsidy.budgets.models import SubsidyBudget
from subsidy.budgets.repository import BudgetRepository
from subsidy.budgets.schemas import BudgetRead, BudgetSet
from subsidy.types import SUBSIDY_TYPES


@dataclass(frozen=True, slots=True)
class Saved:
    budget: BudgetRead
    created: bool
    changes: dict


def to_read(budget: SubsidyBudget) -> BudgetRead:
    return read_of(
        BudgetRead,
        budget,
        subsidy_type_label_zh=SUBSIDY_TYPES[budget.subsidy_type].label_zh,
        left=budget.amount - budget.committed,
    )


async def set_budget(
    session: AsyncSession,
    *,
    principal: Principal,
    year: int,
    subsidy_type: str,
    data: BudgetSet,
    if_match: str | None,
) -> Saved:
    policy.require_write(principal)
    if not SUBSIDY_TYPES[subsidy_type].pays_money:
        raise NoMoneyType(f"{subsidy_type} records eligibility only; it has no budget.")
    repo = BudgetRepository(session)
    budget = await repo.get(year, subsidy_type, for_update=True)
    if budget is None:
        budget = await repo.add(
            SubsidyBudget(
                year=year, subsidy_type=subsidy_type, amount=data.amount, notes=data.notes, set_by=principal.subject
            )
        )
        return Saved(to_read(budget), True, {"amount": (None, f"{data.amount:.2f}")})
    require_version(if_match, budget.row_version)
    if data.amount < budget.committed:
        raise BudgetBelowCommitted(
            f"Approvals have already committed {budget.committed:.2f} of this budget; it cannot be set lower."
        )
    changes = {"amount": (f"{budget.amount:.2f}", f"{data.amount:.2f}")}
    budget.amount = data.amount
    budget.notes = data.notes
    budget.set_by = principal.subject
    await repo.flush()
    return Saved(to_read(budget), False, changes)


async def get_budget(session: AsyncSession, *, principal: Principal, year: int, subsidy_type: str) -> BudgetRead:
    policy.require_read(principal)
    budget = or_raise(
        await BudgetRepository(session).get(year, subsidy_type),
        BudgetNotFound,
        f"No budget is set for {subsidy_type} in {year}.",
    )
    return to_read(budget)


async def list_budgets(session: AsyncSession, *, principal: Principal, year: int | None) -> list[BudgetRead]:
    policy.require_read(principal)
    return [to_read(b) for b in await BudgetRepository(session).page(year)]
