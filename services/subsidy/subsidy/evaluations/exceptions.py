from shared.errors import AppError, Conflict, Forbidden, NotFound


class EvaluationNotFound(NotFound):
    code = "evaluation_not_found"


class NoEvaluationAccess(Forbidden):
    code, title = "no_evaluation_access", "No access to evaluations"


class NoPublishedPolicy(Conflict):
    code, title = "no_published_policy", "No published policy"


class EvaluationRunning(Conflict):
    code, title = "evaluation_running", "An evaluation of this year is running"


class InvalidEvaluation(AppError):
    status, code, title = 422, "invalid_evaluation", "Invalid evaluation"
