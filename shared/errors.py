"""One error family rendered as RFC 9457 problem+json, and the handlers that make every failure one."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as SATimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.logging import request_id_var
from shared.openapi import RESPONSE_HEADERS

PROBLEM_MEDIA_TYPE = "application/problem+json"
logger = logging.getLogger("qihang.errors")


class FieldError(BaseModel):
    field: str = Field(description="Dotted path of the offending input field.", examples=["body.name"])
    message: str = Field(description="What is wrong with it.", examples=["Field required"])


class Problem(BaseModel):
    """RFC 9457 problem details, plus a stable machine-readable `code`."""

    type: str = Field(default="about:blank", examples=["https://qihang.example/problems/not_found"])
    title: str = Field(examples=["Not found"])
    status: int = Field(examples=[404])
    detail: str | None = Field(default=None, examples=["No such person."])
    instance: str | None = Field(default=None, examples=["/api/v1/persons/8d1f..."])
    code: str = Field(examples=["not_found"])
    request_id: str | None = Field(default=None, examples=["6f1c2b7e0b7d4d2f"])
    errors: list[FieldError] | None = None


class AppError(Exception):
    """Base of every error a service raises on purpose. Subclass per domain in <domain>/exceptions.py."""

    status: int = 400
    code: str = "bad_request"
    title: str = "Bad request"

    def __init__(
        self,
        detail: str | None = None,
        *,
        status: int | None = None,
        code: str | None = None,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        errors: list[FieldError] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code
        if title is not None:
            self.title = title
        self.detail = detail
        self.headers = headers or {}
        self.errors = errors


class NotFound(AppError):
    status, code, title = 404, "not_found", "Not found"


class InvalidInput(AppError):
    """Input the schema accepted but a domain rule refuses (a date outside a span, a field a step needs): the same
    problem as a request that fails validation, naming the offending fields in `errors`. Every domain raises this one
    type (a domain may keep a name of its own for it)."""

    status, code, title = 422, "validation_error", "Invalid input"


class Conflict(AppError):
    status, code, title = 409, "conflict", "Conflict"


class Unauthorized(AppError):
    status, code, title = 401, "unauthorized", "Authentication required"

    def __init__(self, detail: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"WWW-Authenticate": 'Bearer realm="qihang"'})
        super().__init__(detail, **kwargs)


class Forbidden(AppError):
    status, code, title = 403, "forbidden", "Forbidden"


class PreconditionFailed(AppError):
    status, code, title = 412, "precondition_failed", "Precondition failed"


class UpstreamError(AppError):
    status, code, title = 502, "bad_gateway", "Upstream service failed"


class ServiceUnavailable(AppError):
    status, code, title = 503, "service_unavailable", "Service unavailable"


class UpstreamTimeout(AppError):
    status, code, title = 504, "gateway_timeout", "Upstream service timed out"


_STATUS_CODES = {
    400: ("bad_request", "Bad request"),
    401: ("unauthorized", "Authentication required"),
    403: ("forbidden", "Forbidden"),
    404: ("not_found", "Not found"),
    405: ("method_not_allowed", "Method not allowed"),
    406: ("not_acceptable", "Not acceptable"),
    409: ("conflict", "Conflict"),
    412: ("precondition_failed", "Precondition failed"),
    413: ("payload_too_large", "Payload too large"),
    415: ("unsupported_media_type", "Unsupported media type"),
    422: ("validation_error", "Invalid input"),
    429: ("rate_limited", "Too many requests"),
    431: ("headers_too_large", "Request header fields too large"),
    500: ("internal_error", "Internal server error"),
    502: ("bad_gateway", "Upstream service failed"),
    503: ("service_unavailable", "Service unavailable"),
    504: ("gateway_timeout", "Upstream service timed out"),
}


def problem_response(
    status: int,
    *,
    code: str | None = None,
    title: str | None = None,
    detail: str | None = None,
    instance: str | None = None,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """Render a problem+json response; used by handlers here and by the gateway's proxy."""
    default_code, default_title = _STATUS_CODES.get(status, ("error", "Error"))
    code = code or default_code
    body = Problem(
        type=f"https://qihang.example/problems/{code}",
        title=title or default_title,
        status=status,
        detail=detail,
        instance=instance,
        code=code,
        request_id=request_id_var.get(),
        errors=errors,
    ).model_dump(exclude_none=True)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _field_path(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc)


def _validation_errors(exc: RequestValidationError) -> tuple[int, str, list[FieldError]]:
    errors: list[FieldError] = []
    malformed = False
    for err in exc.errors():
        if err.get("type") == "json_invalid":
            malformed = True
        # The input value is never echoed back: it may be personal data.
        errors.append(FieldError(field=_field_path(tuple(err.get("loc", ()))), message=str(err.get("msg", ""))))
    if malformed:
        return 400, "malformed_json", errors
    return 422, "validation_error", errors


def _unavailable(request: Request, code: str, detail: str) -> JSONResponse:
    """503 for a failure that passes: the client may try again in a few seconds."""
    return problem_response(503, code=code, detail=detail, instance=request.url.path, headers={"Retry-After": "5"})


def app_error_response(request: Request, exc: AppError) -> JSONResponse:
    """The problem+json answer to `request` that `exc` stands for (what the handler of AppError sends; a route that
    answers a failure without raising returns it itself)."""
    return problem_response(
        exc.status,
        code=exc.code,
        title=exc.title,
        detail=exc.detail,
        instance=request.url.path,
        errors=exc.errors,
        headers=exc.headers,
    )


def install_error_handlers(app: FastAPI) -> None:
    """Make every error leave the app as problem+json, never a stack trace."""

    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> JSONResponse:
        return app_error_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        status, code, errors = _validation_errors(exc)
        detail = "The request body is not valid JSON." if code == "malformed_json" else "Some input is invalid."
        return problem_response(status, code=code, detail=detail, instance=request.url.path, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else None
        if exc.status_code == 404 and detail == "Not Found":
            detail = "No such resource."
        if exc.status_code == 405:
            detail = f"{request.method} is not allowed here."
        return problem_response(
            exc.status_code, detail=detail, instance=request.url.path, headers=getattr(exc, "headers", None)
        )

    @app.exception_handler(SQLAlchemyError)
    async def _database(request: Request, exc: SQLAlchemyError) -> JSONResponse:
        if database_unavailable(exc):
            logger.warning("database unavailable", extra={"error": type(exc).__name__})
            return _unavailable(
                request, "database_unavailable", "The database is unavailable; nothing was changed. Try again shortly."
            )
        logger.error("database error", exc_info=exc)
        return problem_response(500, detail="An unexpected error occurred.", instance=request.url.path)

    @app.exception_handler(OSError)
    async def _io(request: Request, exc: OSError) -> JSONResponse:
        # A network failure that reached the top: a refused or reset connection to the database (asyncpg
        # raises these unwrapped). Calls to other services are mapped by shared.http before they get here.
        logger.warning("dependency unavailable", extra={"error": type(exc).__name__})
        return _unavailable(
            request,
            "dependency_unavailable",
            "Something this request needs is unavailable; nothing was changed. Try again shortly.",
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error", extra={"path": request.url.path})
        return problem_response(500, detail="An unexpected error occurred.", instance=request.url.path)


def move_problem_schemas(document: dict[str, Any]) -> dict[str, Any]:
    """FastAPI files a `responses=` model under application/json; errors are application/problem+json. Moves the
    Problem schema of every error response there (in place, idempotent) and returns the document."""
    problem_ref = "#/components/schemas/Problem"
    for item in document.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                plain = content.get("application/json", {})
                if str(status)[:1] in "45" and plain.get("schema", {}).get("$ref") == problem_ref:
                    del content["application/json"]
                    content.setdefault(PROBLEM_MEDIA_TYPE, {})["schema"] = {"$ref": problem_ref}
    return document


def database_unavailable(exc: BaseException) -> bool:
    """The database could not be reached or dropped the connection (as opposed to a bad statement)."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, OperationalError | InterfaceError | SATimeoutError):
        return True
    cause = getattr(exc, "orig", None) or exc.__cause__
    return isinstance(cause, OSError | ConnectionError)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries documenting the problem+json errors of a route."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        code, title = _STATUS_CODES.get(status, ("error", "Error"))
        out[status] = {
            "model": Problem,
            "description": title,
            **({"headers": {"Retry-After": RESPONSE_HEADERS["Retry-After"]}} if status in (429, 503) else {}),
            "content": {
                PROBLEM_MEDIA_TYPE: {
                    "example": {
                        "type": f"https://qihang.example/problems/{code}",
                        "title": title,
                        "status": status,
                        "code": code,
                    }
                }
            },
        }
    return out
