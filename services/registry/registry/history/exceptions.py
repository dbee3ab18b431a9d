from shared.errors import Conflict, Forbidden, InvalidInput, NotFound


class NoHistoryAccess(Forbidden):
    code = "no_history_access"


InvalidHistory = InvalidInput


class RegisterChangeNotFound(NotFound):
    code = "register_change_not_found"


class StayNotFound(NotFound):
    code = "stay_not_found"


class OverlappingOffRegister(Conflict):
    code = "overlapping_off_register"
    title = "Overlapping off-register spans"


class NotOffRegister(Conflict):
    code = "not_off_register"
    title = "The person is on the register"


class DeathIsFinal(Conflict):
    code = "death_is_final"
    title = "A death is final"


class NotLatestChange(Conflict):
    code = "not_latest_change"
    title = "Only the latest change may be withdrawn"


class AlreadyWithdrawn(Conflict):
    code = "already_withdrawn"
    title = "Already withdrawn"


class OutsideRegister(Conflict):
    code = "outside_register"
    title = "Outside the person's time on the register"


class OverlappingStay(Conflict):
    code = "overlapping_stay"
    title = "Contradictory overlapping stays"


class StayAlreadyEnded(Conflict):
    code = "stay_already_ended"
    title = "Stay already ended"
