from shared.errors import AppError, Conflict, Forbidden, NotFound


class ApplicationNotFound(NotFound):
    code = "application_not_found"


class NoApplicationAccess(Forbidden):
    code, title = "no_application_access", "No access to subsidy applications"


class NotYourStep(Forbidden):
    code, title = "not_your_step", "This step is not yours to take"


class SeparationOfDuties(Forbidden):
    code, title = "separation_of_duties", "Separation of duties"


class StepNotAllowed(Conflict):
    code, title = "step_not_allowed", "Step not allowed now"


class AlreadyApplied(Conflict):
    code, title = "already_applied", "Already applied for"


class DecisionNotCurrent(Conflict):
    code, title = "decision_superseded", "The decision has a newer version"


class NothingToApplyFor(Conflict):
    code, title = "nothing_to_apply_for", "The decision grants nothing"


class NoBudget(Conflict):
    code, title = "no_budget", "No budget set"


class BudgetExceeded(Conflict):
    code, title = "budget_exceeded", "Budget exceeded"


class AlreadyPaid(Conflict):
    code, title = "already_paid", "Already paid"


class InvalidStep(AppError):
    status, code, title = 422, "invalid_step", "Invalid step"
