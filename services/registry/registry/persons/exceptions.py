from shared.errors import AppError, Conflict, Forbidden, NotFound


class PersonNotFound(NotFound):
    code = "person_not_found"


class NoPersonAccess(Forbidden):
    code = "no_person_access"


class FieldNotAllowed(Forbidden):
    code = "field_not_allowed"


class OutsideJurisdiction(Forbidden):
    code = "outside_jurisdiction"


class IdNumberRejected(AppError):
    status, code, title = 422, "invalid_id_number", "Invalid national ID number"


class PersonExists(Conflict):
    code = "person_exists"


class PossibleDuplicate(Conflict):
    code = "possible_duplicate"
    title = "Possible duplicate"


class PersonArchived(Conflict):
    code = "person_archived"
