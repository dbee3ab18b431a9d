from shared.errors import AppError, Unauthorized


class InvalidGrant(Unauthorized):
    code, title = "invalid_grant", "Log-in refused"


class InvalidClient(Unauthorized):
    code, title = "invalid_client", "Client authentication failed"


class UnsupportedGrantType(AppError):
    status, code, title = 400, "unsupported_grant_type", "Unsupported grant type"


class WrongPassword(AppError):
    status, code, title = 403, "wrong_password", "The current password is wrong"
