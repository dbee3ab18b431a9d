from shared.errors import Conflict, Forbidden, NotFound


class NoSupportAccess(Forbidden):
    code = "no_support_access"


class MemberNotFound(NotFound):
    code = "support_member_not_found"


class MemberAlreadyLeft(Conflict):
    code = "support_member_already_left"
