"""Structured JSON logs carrying the request id. Only method, route and status are logged: never bodies,
query strings or tokens, since those can hold personal data.

Libraries are held to the same rule: httpx writes every URL it calls at INFO (a name search `?q=王勇` with it),
so its loggers stay at WARNING; uvicorn's own lines go through the same handler; and an exception is logged with
its types and frames but not its messages, which can quote SQL parameters or a constraint's key values.
"""

from __future__ import annotations

import json
import logging
import sys
import time
import traceback
import uuid
from contextvars import ContextVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.asgi import HttpMiddleware

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
REQUEST_ID_HEADER = "x-request-id"
_ALLOWED_ID_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:")
_STD_ATTRS = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}
QUIET_LOGGERS = ("httpx", "httpcore", "hpack", "multipart")
"""Libraries whose INFO/DEBUG lines quote URLs, headers or bodies: only their warnings are logged."""


def format_exception_safely(exc_info: logging._SysExcInfoType) -> str:
    """A traceback with each exception's type and frames, its message withheld (it may hold personal data)."""
    _, exc, _ = exc_info
    if exc is None:
        return ""
    lines: list[str] = []
    seen: set[int] = set()
    chain: list[BaseException] = []
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        chain.append(exc)
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    for depth, error in enumerate(reversed(chain)):
        if depth:
            lines.append("The above exception led to:")
        lines.append("Traceback (most recent call last):")
        for frame in traceback.extract_tb(error.__traceback__):
            lines.append(f'  File "{frame.filename}", line {frame.lineno}, in {frame.name}')
        lines.append(f"{type(error).__module__}.{type(error).__qualname__} (message withheld)")
    return "\n".join(lines)


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "msg": record.getMessage(),
            "request_id": request_id_var.get(),
        }
        for key, value in record.__dict__.items():
            if key not in _STD_ATTRS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = format_exception_safely(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class PlainFormatter(logging.Formatter):
    """For reading by eye (`<SVC>_LOG_JSON=false`): the same rule on exceptions."""

    def __init__(self) -> None:
        super().__init__("%(levelname)s %(name)s %(message)s")

    def formatException(self, ei: logging._SysExcInfoType) -> str:
        return format_exception_safely(ei)


def configure_logging(service: str, level: str = "INFO", as_json: bool = True) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service) if as_json else PlainFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    # The access line is ours (RequestContextMiddleware); uvicorn's would carry the query string.
    logging.getLogger("uvicorn.access").disabled = True
    # uvicorn's start/stop lines and its own error reports: through our handler and formatter, not its own.
    uvicorn_logger = logging.getLogger("uvicorn")
    uvicorn_logger.handlers[:] = []
    uvicorn_logger.propagate = True


def clean_request_id(value: str | None) -> str:
    """Accept a caller's id if it is short and plain; otherwise make a new one."""
    if value and len(value) <= 128 and set(value) <= _ALLOWED_ID_CHARS:
        return value
    return uuid.uuid4().hex


class RequestContextMiddleware(HttpMiddleware):
    """Pure ASGI middleware: sets X-Request-ID (accepted or generated), echoes it, logs one access line."""

    def __init__(self, app: ASGIApp, logger_name: str = "qihang.access") -> None:
        super().__init__(app)
        self.logger = logging.getLogger(logger_name)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        incoming = None
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
                break
        rid = clean_request_id(incoming)
        token = request_id_var.set(rid)
        status = 500
        start = time.perf_counter()

        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                started = True
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"]
                headers.append((b"x-request-id", rid.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # Rendered here, inside the request context, so the 500 still carries the request id.
            self.logger.exception("unhandled error")
            if started:
                raise
            from shared.errors import problem_response

            await problem_response(500, detail="An unexpected error occurred.", instance=scope.get("path"))(
                scope, receive, send_with_id
            )
        finally:
            route = scope.get("route")
            self.logger.info(
                "request",
                extra={
                    "method": scope.get("method"),
                    "route": getattr(route, "path_format", None) or getattr(route, "path", None) or "unmatched",
                    "status": status,
                    "ms": round((time.perf_counter() - start) * 1000, 2),
                },
            )
            request_id_var.reset(token)
