from shared.errors import Conflict, Forbidden, InvalidInput, NotFound


class SelfEmploymentNotFound(NotFound):
    code = "self_employment_not_found"


class NoSelfEmploymentAccess(Forbidden):
    code = "no_self_employment_access"


class SelfEmploymentEnded(Conflict):
    code, title = "self_employment_ended", "Self-employment ended"


InvalidSelfEmployment = InvalidInput
