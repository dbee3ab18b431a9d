from shared.errors import AppError


class RateLimited(AppError):
    status, code, title = 429, "rate_limited", "Too many requests"
