from shared.errors import Conflict, Forbidden, NotFound


class EmployerNotFound(NotFound):
    code = "employer_not_found"


class EmployerExists(Conflict):
    code, title = "employer_exists", "Employer already registered"


class OutsideJurisdiction(Forbidden):
    code, title = "outside_jurisdiction", "Outside your jurisdiction"


class NoPlacementAccess(Forbidden):
    code, title = "no_placement_access", "No access"


class DesignationNotAllowed(Conflict):
    code, title = "designation_transition_not_allowed", "Designation change not allowed"


class DesignationConflict(Conflict):
    code, title = "designation_changed_meanwhile", "Designation changed meanwhile"
