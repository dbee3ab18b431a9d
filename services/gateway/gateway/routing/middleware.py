"""The gateway's edge: a limit on request header size, and CORS for the browser frontends it is told about."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.config import Settings
from shared.errors import problem_response
from shared.logging import RequestContextMiddleware

CORS_ALLOWED_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
CORS_ALLOWED_HEADERS = ("Authorization", "Content-Type", "If-Match", "Idempotency-Key", "X-Request-ID")
CORS_EXPOSED_HEADERS = ("ETag", "Location", "X-Request-ID", "Retry-After")


class HeaderLimitMiddleware:
    """Refuse requests whose headers add up to more than `max_bytes` (as on the wire: name, value, ": "
    and CRLF) with 431 problem+json, before anything reads them."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            size = sum(len(name) + len(value) + 4 for name, value in scope["headers"])
            if size > self.max_bytes:
                response = problem_response(
                    431,
                    detail=f"The request headers add up to more than {self.max_bytes} bytes.",
                    instance=scope.get("path"),
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class ProblemCORSMiddleware(CORSMiddleware):
    """Starlette's CORS, with a refused preflight answered as problem+json like every other error."""

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code != 400:
            return response
        headers = {k: v for k, v in response.headers.items() if k not in ("content-length", "content-type")}
        return problem_response(
            400,
            code="cors_refused",
            title="Cross-origin request refused",
            detail=f"{bytes(response.body).decode()}.",
            headers=headers,
        )


def install_edge_middleware(app: FastAPI, settings: Settings) -> None:
    # Just inside the request-id middleware, so a 431 still carries X-Request-ID and is logged, and ahead of
    # everything that reads headers or bodies.
    position = 1 + next(i for i, m in enumerate(app.user_middleware) if m.cls is RequestContextMiddleware)
    app.user_middleware.insert(position, Middleware(HeaderLimitMiddleware, max_bytes=settings.max_header_bytes))
    if settings.cors_origins:
        # Outermost, so that every answer a browser gets, errors included, carries the CORS headers.
        options: dict[str, Any] = {
            "allow_origins": settings.cors_origins,
            "allow_methods": CORS_ALLOWED_METHODS,
            "allow_headers": CORS_ALLOWED_HEADERS,
            "expose_headers": CORS_EXPOSED_HEADERS,
            "allow_credentials": False,
            "max_age": 600,
        }
        app.add_middleware(ProblemCORSMiddleware, **options)
