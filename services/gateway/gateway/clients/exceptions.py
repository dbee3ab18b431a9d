from shared.errors import AppError, Conflict, NotFound


class ClientNotFound(NotFound):
    code = "client_not_found"


class ClientIdTaken(Conflict):
    code = "client_id_taken"


class ServiceClientManaged(AppError):
    status, code, title = 409, "service_client_managed", "Service clients are managed by configuration"
