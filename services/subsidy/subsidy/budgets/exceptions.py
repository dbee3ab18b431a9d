from shared.errors import AppError, Conflict, Forbidden, NotFound


class BudgetNotFound(NotFound):
    code = "budget_not_found"


class NoBudgetAccess(Forbidden):
    code, title = "no_budget_access", "No access to budgets"


class BudgetBelowCommitted(Conflict):
    code, title = "budget_below_committed", "Budget below what is committed"


class NoMoneyType(AppError):
    status, code, title = 422, "type_pays_no_money", "This subsidy type pays no money"
