from shared.errors import Conflict, Forbidden, NotFound


class NoTreatmentAccess(Forbidden):
    code = "no_treatment_access"


class EnrolmentNotFound(NotFound):
    code = "methadone_enrolment_not_found"


class EnrolmentAlreadyEnded(Conflict):
    code = "methadone_enrolment_ended"


class EnrolmentAlreadyOpen(Conflict):
    code = "methadone_enrolment_open"
