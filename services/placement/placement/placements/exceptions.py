from shared.errors import AppError, Conflict, Forbidden, NotFound


class NoPlacementAccess(Forbidden):
    code, title = "no_placement_access", "No access to placements"


class PlacementNotFound(NotFound):
    code = "placement_not_found"


class PersonNotFound(NotFound):
    code, title = "person_not_found", "Person not found"


class PersonNotPlaceable(Conflict):
    code, title = "person_not_placeable", "Person cannot be placed"


class AlreadyPlacedFullTime(Conflict):
    code, title = "already_placed_full_time", "Already in a full-time placement"


class PlacementAlreadyEnded(Conflict):
    code, title = "placement_already_ended", "Placement already ended"


class InvalidPlacement(AppError):
    status, code, title = 422, "invalid_placement", "Invalid placement"


class FollowUpNotFound(NotFound):
    code = "follow_up_not_found"


class FollowUpNotYetDue(Conflict):
    code, title = "follow_up_not_yet_due", "Follow-up not yet due"
