from shared.errors import AppError, Conflict, Forbidden, NotFound


class NoPostAccess(Forbidden):
    code, title = "no_post_access", "No access to job posts"


class PostNotFound(NotFound):
    code = "job_post_not_found"


class PostNotOpen(Conflict):
    code, title = "job_post_not_open", "Job post not open"


class PostFull(Conflict):
    code, title = "job_post_full", "Job post full"


class InvalidStatusChange(Conflict):
    code, title = "invalid_status_change", "Status change not allowed"


class InvalidPost(AppError):
    status, code, title = 422, "invalid_job_post", "Invalid job post"
