from shared.errors import Forbidden


class NoRecordAccess(Forbidden):
    code = "no_record_access"
