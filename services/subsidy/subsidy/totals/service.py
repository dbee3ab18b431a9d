"""A year's totals: current decisions by type, tier and jurisdiction, applications by status, and each type's
budget used and left. Three grouped queries over indexed columns, whatever the number of decisions."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from subsidy.applications.workflow import STATUS_LABELS_ZH
from subsidy.budgets.repository import BudgetRepository
from subsidy.decisions.calculator import tier_label_zh
from subsidy.money import ZERO
from subsidy.totals import policy
from subsidy.totals.repository import TotalsRepository
from subsidy.totals.schemas import JurisdictionTotal, StatusTotal, SubsidyTotals, TierTotal, TypeTotal
from subsidy.types import SUBSIDY_TYPES, TYPE_CODES


def tier_label(code: str | None) -> str | None:
    """The Chinese label of a tier code ("1-49" -> "1–49人", "100+" -> "100人及以上"), as decisions store it."""
    if code is None:
        return None
    if code.endswith("+"):
        return tier_label_zh(int(code[:-1]), None)
    low, high = code.split("-")
    return tier_label_zh(int(low), int(high))


async def year_totals(session: AsyncSession, *, principal: Principal, year: int) -> SubsidyTotals:
    jurisdiction = policy.require_read(principal)
    repo = TotalsRepository(session)
    decision_rows = await repo.decisions(year, jurisdiction)
    application_rows = await repo.applications(year, jurisdiction)
    budgets = await BudgetRepository(session).of_year(year)

    per_type: dict[str, list] = defaultdict(lambda: [0, 0, ZERO])
    per_tier: dict[tuple, list] = defaultdict(lambda: [0, 0, ZERO])
    per_place: dict[tuple, list] = defaultdict(lambda: [0, ZERO])
    for row in decision_rows:
        amount = row.amount or ZERO
        t = per_type[row.subsidy_type]
        t[0] += row.decisions
        t[1] += row.paying
        t[2] += amount
        tier = per_tier[(row.subsidy_type, row.tier, tier_label(row.tier))]
        tier[0] += row.decisions
        tier[1] += row.qualifying or 0
        tier[2] += amount
        place = per_place[(row.jurisdiction_code, row.subsidy_type)]
        place[0] += row.decisions
        place[1] += amount

    order = {code: index for index, code in enumerate(TYPE_CODES)}
    by_type = []
    for code in TYPE_CODES:
        budget = budgets.get(code)
        if code not in per_type and budget is None:
            continue
        decisions, paying, amount = per_type.get(code, [0, 0, ZERO])
        by_type.append(
            TypeTotal(
                subsidy_type=code,
                subsidy_type_label_zh=SUBSIDY_TYPES[code].label_zh,
                decisions=decisions,
                paying_decisions=paying,
                decided_amount=amount,
                budget=budget.amount if budget else None,
                budget_used=budget.committed if budget else None,
                budget_paid=budget.paid if budget else None,
                budget_left=budget.amount - budget.committed if budget else None,
            )
        )
    by_tier = [
        TierTotal(subsidy_type=code, tier=tier, tier_label_zh=label, decisions=n, qualifying_count=q, amount=a)
        for (code, tier, label), (n, q, a) in sorted(
            per_tier.items(), key=lambda item: (order[item[0][0]], item[0][1] or "")
        )
    ]
    by_jurisdiction = [
        JurisdictionTotal(jurisdiction_code=place, subsidy_type=code, decisions=n, amount=a)
        for (place, code), (n, a) in sorted(per_place.items(), key=lambda item: (item[0][0], order[item[0][1]]))
    ]
    by_status = [
        StatusTotal(
            subsidy_type=row.subsidy_type,
            status=row.status,
            status_label_zh=STATUS_LABELS_ZH[row.status],
            applications=row.applications,
            amount=row.amount or ZERO,
        )
        for row in sorted(application_rows, key=lambda r: (order[r.subsidy_type], r.status))
    ]
    budget_amount = sum((b.amount for b in budgets.values()), Decimal("0.00"))
    used = sum((b.committed for b in budgets.values()), Decimal("0.00"))
    paid = sum((b.paid for b in budgets.values()), Decimal("0.00"))
    return SubsidyTotals(
        year=year,
        jurisdiction_code=jurisdiction,
        by_type=by_type,
        by_tier=by_tier,
        by_jurisdiction=by_jurisdiction,
        by_status=by_status,
        decided_amount=sum((t[2] for t in per_type.values()), ZERO),
        budget_amount=budget_amount,
        budget_used=used,
        budget_paid=paid,
        budget_left=budget_amount - used,
    )
