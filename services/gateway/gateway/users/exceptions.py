from shared.errors import AppError, Conflict, NotFound


class UserNotFound(NotFound):
    code = "user_not_found"


class UsernameTaken(Conflict):
    code = "username_taken"


class InvalidUserPlacement(AppError):
    status, code, title = 422, "invalid_department_or_jurisdiction", "Invalid department or jurisdiction"


class CannotDisableSelf(AppError):
    status, code, title = 409, "cannot_disable_self", "You cannot disable your own account"


class LastAdmin(AppError):
    status, code, title = 409, "last_admin", "The last active administrator must stay"
