from shared.errors import AppError, Conflict, Forbidden, NotFound


class HandoverNotFound(NotFound):
    code = "handover_not_found"


class NoHandoverAccess(Forbidden):
    code = "no_handover_access"


class HandoverAlreadyClosed(Conflict):
    code, title = "handover_already_closed", "Hand-over already closed"


class InvalidHandoverClose(AppError):
    status, code, title = 422, "validation_error", "Invalid input"
