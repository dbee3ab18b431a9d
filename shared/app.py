"""The app factory every service builds on: logging, problem+json, request ids, body limits, auth by default,
health routes, the database engine, the pooled HTTP client and the token verifier."""

from __future__ import annotations

import gc
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.routing import APIRoute
from starlette.routing import compile_path

from shared.asgi import HttpMiddleware, Refusal, check_streamed_body
from shared.auth import get_principal
from shared.config import BaseServiceSettings
from shared.db import make_engine, make_sessionmaker
from shared.errors import install_error_handlers, move_problem_schemas, problem_response, problem_responses
from shared.health import router as health_router
from shared.http import make_http_client
from shared.input_guard import InputGuardMiddleware
from shared.jwt import JWKSFetcher, KeySet, TokenVerifier
from shared.logging import RequestContextMiddleware, configure_logging
from shared.metrics import POOLS, MetricsMiddleware, MetricsServer
from shared.openapi import finish_document, install_offline_docs, operation_id
from shared.pagination import CursorKeyMiddleware
from shared.revocation import RevocationList, start_revocation_check

Hook = Callable[[FastAPI], Awaitable[None]]
Lifecycle = tuple[Hook, Hook]
"""What a service runs in its process: the hook that starts it and the one that stops it."""
COMMON_ERRORS = problem_responses(400, 401, 403, 404, 422, 429, 500, 503)
UPLOAD_OVERHEAD_BYTES = 64 * 1024
"""Room for the multipart envelope around an uploaded file."""


class BodyLimitMiddleware(HttpMiddleware):
    """Refuse bodies over `max_bytes` with 413, whether declared by Content-Length or streamed. `path_limits`: a
    larger limit for the paths under a prefix (file uploads)."""

    def __init__(self, app: Any, max_bytes: int, path_limits: Mapping[str, int] | None = None) -> None:
        super().__init__(app)
        self.max_bytes = max_bytes
        self.path_limits = dict(path_limits or {})

    def _limit(self, path: str) -> int:
        for prefix, limit in self.path_limits.items():
            if path == prefix or path.startswith(prefix.rstrip("/") + "/"):
                return limit
        return self.max_bytes

    async def handle(self, scope: Any, receive: Any, send: Any) -> None:
        max_bytes = self._limit(scope.get("path", ""))
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared < 0 or declared > max_bytes:
                    await self._too_large(scope, max_bytes)(scope, receive, send)
                    return
        received = 0

        def check(chunk: bytes) -> Refusal | None:
            nonlocal received
            received += len(chunk)
            return self._too_large(scope, max_bytes) if received > max_bytes else None

        await check_streamed_body(self.app, scope, receive, send, check)

    @staticmethod
    def _too_large(scope: Any, max_bytes: int) -> Refusal:
        return problem_response(
            413, detail=f"The request body is larger than {max_bytes} bytes.", instance=scope.get("path")
        )


class NoStoreMiddleware(HttpMiddleware):
    """Everything here is sensitive personal data: tell every cache not to keep it."""

    async def handle(self, scope: Any, receive: Any, send: Any) -> None:
        async def send_no_store(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(k.lower() == b"cache-control" for k, _ in headers):
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_no_store)


def default_jwks_fetcher(app: FastAPI, url: str) -> JWKSFetcher:
    async def fetch() -> dict[str, Any]:
        response = await app.state.http.get(url)
        response.raise_for_status()
        return response.json()

    return fetch


def create_service_app(
    settings: BaseServiceSettings,
    *,
    title: str,
    description: str,
    routers: Sequence[APIRouter] = (),
    public_routers: Sequence[APIRouter] = (),
    jwks_fetcher: JWKSFetcher | None = None,
    lifecycle: Sequence[Lifecycle] = (),
    on_startup: Sequence[Hook] = (),
    on_shutdown: Sequence[Hook] = (),
    openapi_tags: list[dict[str, Any]] | None = None,
    body_limits: Mapping[str, int] | None = None,
) -> FastAPI:
    """Build a service. `routers` require a valid token; `public_routers` opt out visibly. `lifecycle`: the
    (start, stop) pairs of what the service runs in its process, started in order and stopped in reverse, around
    `on_startup` / `on_shutdown`. `body_limits`: path prefix -> a larger request-body limit than
    settings.max_body_bytes (file uploads, see `upload_limit`)."""
    configure_logging(settings.service_name, settings.log_level, settings.log_json)
    startup = [start for start, _stop in lifecycle] + list(on_startup)
    shutdown = list(on_shutdown) + [stop for _start, stop in reversed(lifecycle)]
    app = FastAPI(
        title=title,
        description=description,
        version="1.0.0",
        lifespan=service_lifespan(settings, jwks_fetcher, startup, shutdown),
        openapi_tags=openapi_tags,
        responses=problem_responses(500),
        generate_unique_id_function=operation_id,
        docs_url=None,
        redoc_url=None,
    )
    install_offline_docs(app)
    app.state.settings = settings
    install_error_handlers(app)
    install_middleware(app, settings, body_limits)
    include_routers(app, routers, public_routers)
    app.openapi = lambda: own_openapi(app)  # type: ignore[method-assign]
    return app


def upload_limit(path: str, max_file_bytes: int) -> dict[str, int]:
    """`body_limits` for an upload route: the largest file allowed and room for the multipart envelope around it."""
    return {path: max_file_bytes + UPLOAD_OVERHEAD_BYTES}


def service_lifespan(
    settings: BaseServiceSettings, jwks_fetcher: JWKSFetcher | None, startup: Sequence[Hook], shutdown: Sequence[Hook]
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Open what every service uses, run the service's own start-up, serve; then the reverse (shut-down hooks run
    even when start-up failed half-way)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        revocations = open_shared_resources(app, settings, jwks_fetcher)
        try:
            await start_service(app, settings, startup)
            yield
        finally:
            await close_shared_resources(app, settings, shutdown, revocations)

    return lifespan


def open_shared_resources(
    app: FastAPI, settings: BaseServiceSettings, jwks_fetcher: JWKSFetcher | None
) -> RevocationList | None:
    """The database engine (its pool watched by the metrics), the pooled HTTP client, the token verifier and the
    revocation check, on `app.state`; returns the revocation check it started (a service may put another one of its
    own in `app.state.revocations`: this one is still the one to stop)."""
    app.state.engine = make_engine(
        settings.database_url.get_secret_value(),
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )
    app.state.sessionmaker = make_sessionmaker(app.state.engine)
    POOLS.watch(settings.service_name, app.state.engine, max_overflow=settings.db_max_overflow)
    app.state.http = make_http_client(
        timeout=settings.http_timeout_seconds, connect_timeout=settings.http_connect_timeout_seconds
    )
    keys = KeySet(
        jwks_fetcher or default_jwks_fetcher(app, settings.jwks_url),
        min_refresh_seconds=settings.jwks_min_refresh_seconds,
    )
    app.state.verifier = TokenVerifier(
        keys,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        leeway_seconds=settings.jwt_leeway_seconds,
    )
    revocations = app.state.revocations = start_revocation_check(app.state.http, settings)
    app.state.metrics_server = None
    return revocations


async def start_service(app: FastAPI, settings: BaseServiceSettings, startup: Sequence[Hook]) -> None:
    """The metrics listener, the service's start-up hooks in order, then the heap frozen for serving."""
    if settings.metrics_port is not None:
        app.state.metrics_server = MetricsServer(settings.metrics_host, settings.metrics_port)
    for hook in startup:
        await hook(app)
    if settings.environment != "test":
        # Everything built so far (modules, routes, models) lives as long as the process: moved out of the
        # collector's sight, a full collection no longer walks it, which cut the p95 of a large answer in
        # half (docs/benchmarks.md: 140 -> 71 ms). Not in tests: they build many apps in one process, and a
        # frozen object is never collected.
        gc.collect()
        gc.freeze()


async def close_shared_resources(
    app: FastAPI, settings: BaseServiceSettings, shutdown: Sequence[Hook], revocations: RevocationList | None
) -> None:
    """The metrics listener stops, the service's shut-down hooks run, then what `open_shared_resources` opened
    closes."""
    if app.state.metrics_server is not None:
        app.state.metrics_server.stop()
    POOLS.forget(settings.service_name, app.state.engine)
    for hook in shutdown:
        await hook(app)
    if revocations is not None:
        await revocations.stop()
    await app.state.http.aclose()
    await app.state.engine.dispose()


def install_middleware(app: FastAPI, settings: BaseServiceSettings, body_limits: Mapping[str, int] | None) -> None:
    """Added innermost first: a request meets metrics, request context, the body limit, no-store, cursor keys and
    the input guard, in that order."""
    app.add_middleware(InputGuardMiddleware)  # innermost: sees bodies already bounded by the limit below
    app.add_middleware(CursorKeyMiddleware, key=settings.cursor_key.get_secret_value())
    app.add_middleware(NoStoreMiddleware)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes, path_limits=body_limits)
    app.add_middleware(RequestContextMiddleware)
    app.add_middleware(MetricsMiddleware, service=settings.service_name, routes=app.router.routes)


def include_routers(app: FastAPI, routers: Sequence[APIRouter], public_routers: Sequence[APIRouter]) -> None:
    """Health and the public routers as they are; every other router behind a valid token, with the common errors
    documented."""
    for router in (health_router, *public_routers, *routers):
        use_docstring_summaries(router)
        type_path_parameters(router)
    app.include_router(health_router)
    for router in public_routers:
        app.include_router(router)
    for router in routers:
        app.include_router(router, dependencies=[Depends(get_principal)], responses=COMMON_ERRORS)


# Path parameters declared as these types are matched by the router only when they have that shape (Starlette's
# convertors), so `/persons/lookup` can never be taken for `/persons/{person_id}` whatever order the routes were
# included in, and a path with a malformed id is simply not a resource (404). The OpenAPI document is unchanged
# (FastAPI writes the path without the convertor).
PATH_CONVERTORS: Mapping[type, str] = {uuid.UUID: "uuid", int: "int"}


def type_path_parameters(router: APIRouter) -> None:
    """Give every route's UUID and integer path parameters a typed convertor ({person_id:uuid}), from the types the
    endpoint declares, so no router repeats them by hand. Done on the router before it is included (FastAPI builds
    the app's routes from the router's paths); running it again changes nothing."""
    for route in router.routes:
        if not isinstance(route, APIRoute):
            continue
        path = route.path
        for param in route.dependant.path_params:
            convertor = PATH_CONVERTORS.get(param.field_info.annotation)  # type: ignore[arg-type]
            if convertor is not None:
                path = path.replace(f"{{{param.alias}}}", f"{{{param.alias}:{convertor}}}")
        if path != route.path:
            route.path = path
            route.path_regex, route.path_format, route.param_convertors = compile_path(path)


def own_openapi(app: FastAPI) -> dict[str, Any]:
    """The app's own OpenAPI document (cached by FastAPI), with errors documented as problem+json and made fit for
    generated clients (shared.openapi)."""
    return finish_document(app, move_problem_schemas(FastAPI.openapi(app)))


def use_docstring_summaries(router: APIRouter) -> None:
    """A route's one-line docstring becomes its OpenAPI summary (FastAPI would title-case the function name)."""
    for route in router.routes:
        if isinstance(route, APIRoute) and not route.summary and route.description:
            route.summary = route.description.strip().splitlines()[0].strip()
