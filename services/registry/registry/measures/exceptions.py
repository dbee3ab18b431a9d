from shared.errors import Conflict, Forbidden, InvalidInput, NotFound


class MeasureNotFound(NotFound):
    code = "measure_not_found"


class NoMeasureAccess(Forbidden):
    code = "no_measure_access"


InvalidMeasure = InvalidInput


class OverlappingMeasure(Conflict):
    code = "overlapping_measure"
    title = "Contradictory overlapping measures"


class TransitionNotAllowed(Conflict):
    code = "transition_not_allowed"
    title = "Transition not allowed"


class MeasureAlreadyEnded(Conflict):
    code = "measure_already_ended"
    title = "Measure already ended"


class MeasureSuperseded(Conflict):
    code = "measure_superseded"
    title = "Measure superseded by a correction"
