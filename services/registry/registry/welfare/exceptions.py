from shared.errors import Forbidden


class NoWelfareAccess(Forbidden):
    code = "no_welfare_access"
