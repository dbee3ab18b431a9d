from shared.errors import Conflict, Forbidden, InvalidInput, NotFound


class CourseNotFound(NotFound):
    code = "training_course_not_found"


class SessionNotFound(NotFound):
    code = "training_session_not_found"


class EnrolmentNotFound(NotFound):
    code = "training_enrolment_not_found"


class NoTrainingAccess(Forbidden):
    code = "no_training_access"


class EnrolmentExists(Conflict):
    code, title = "training_enrolment_exists", "Already enrolled"


class EnrolmentNotOpen(Conflict):
    code, title = "training_enrolment_not_open", "Enrolment not open"


InvalidTraining = InvalidInput
