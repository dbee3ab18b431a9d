from shared.errors import Forbidden, NotFound


class DecisionNotFound(NotFound):
    code = "decision_not_found"


class NoDecisionAccess(Forbidden):
    code, title = "no_decision_access", "No access to subsidy decisions"
