from shared.errors import AppError, Conflict, NotFound


class IndicatorNotFound(NotFound):
    code = "indicator_not_found"


class TargetNotFound(NotFound):
    code = "target_not_found"


class InvalidTarget(AppError):
    status, code, title = 422, "invalid_target", "Invalid target"


class TargetOverridden(Conflict):
    code = "target_exists"
