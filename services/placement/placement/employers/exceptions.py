from shared.errors import Conflict, Forbidden, NotFound


class EmployerNotFound(NotFound):
    code = "employer_not_found"


class EmployerExists(Conflict):
    code, title = "employer_exists", "Employer already registered"


class OutsideJurisdiction(Forbidden):
    code, title = "outside_jurisdiction", "Outside your jurisdiction"
