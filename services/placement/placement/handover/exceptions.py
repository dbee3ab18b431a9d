from shared.errors import Conflict, Forbidden, InvalidInput, NotFound


class HandoverNotFound(NotFound):
    code = "handover_not_found"


class NoHandoverAccess(Forbidden):
    code = "no_handover_access"


class HandoverAlreadyClosed(Conflict):
    code, title = "handover_already_closed", "Hand-over already closed"


InvalidHandoverClose = InvalidInput
