"""App factory of the gateway: token issuer, admin of users/clients/keys, router to the four services."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import aiohttp
from fastapi import FastAPI

from gateway.auth.router import events_router, password_router
from gateway.auth.router import public_router as auth_public_router
from gateway.auth.router import router as auth_router
from gateway.auth.status import SubjectStatus
from gateway.bootstrap import announce_generated_password, bootstrap
from gateway.clients.router import router as clients_router
from gateway.config import Settings
from gateway.keys.router import router as keys_router
from gateway.keys.service import KeyStore
from gateway.keys.wrapping import KeyWrapper, decode_kek
from gateway.ratelimit import RateLimiter
from gateway.routing import Upstreams, install_routing
from gateway.routing.table import UPLOAD_PREFIXES
from gateway.users.router import router as users_router
from shared.app import create_service_app

TITLE = "Qihang platform API"
DESCRIPTION = (
    "The system of record of Liucheng County's Qihang Project (启航工程): community detox and "
    "rehabilitation, employment placement, subsidies and reporting. Log in at `POST /api/v1/auth/token`, "
    "then send `Authorization: Bearer <access_token>`. Errors are RFC 9457 problem+json."
)
TAGS = [
    {"name": "auth", "description": "Log-in, tokens and the public keys that verify them."},
    {"name": "admin", "description": "Users, integration clients, signing keys and log-in events."},
]


def create_app(
    settings: Settings | None = None,
    *,
    upstream_trace_configs: Sequence[aiohttp.TraceConfig] = (),
    **_: Any,
) -> FastAPI:
    """The gateway's own API on the shared service app, then the routing to the four services in front of it.
    `upstream_trace_configs`: aiohttp request hooks on the calls to the services (the tests record them)."""
    settings = settings or Settings()
    upstreams = Upstreams(settings, trace_configs=upstream_trace_configs)
    app = create_service_app(
        settings,
        title=TITLE,
        description=DESCRIPTION,
        public_routers=[auth_public_router, password_router],
        routers=[auth_router, users_router, clients_router, keys_router, events_router],
        jwks_fetcher=own_keys_of(lambda: app),
        on_startup=[lambda app_: start(app_, settings), upstreams.open],
        on_shutdown=[upstreams.close],
        body_limits={prefix: settings.max_upload_bytes for prefix in UPLOAD_PREFIXES},
        openapi_tags=TAGS,
    )
    install_routing(app, settings, upstreams)
    return app


def own_keys_of(app: Callable[[], FastAPI]) -> Callable[[], Awaitable[dict[str, Any]]]:
    """The gateway verifies its own tokens from its database, not over HTTP: the JWKS is its key store's."""

    async def own_keys() -> dict[str, Any]:
        keys = app().state.keys
        await keys.reload()
        return await keys.jwks()

    return own_keys


async def start(app: FastAPI, settings: Settings) -> None:
    """Start-up: signing keys loaded (the first one made), who is disabled or revoked, the log-in limit, and the
    first administrator on an empty database."""
    await open_signing_keys(app, settings)
    app.state.subject_status = SubjectStatus(app.state.sessionmaker, settings.subject_status_cache_seconds)
    # What shared.auth.get_principal and the proxy ask about every token: the gateway reads its own database.
    app.state.revocations = app.state.subject_status
    app.state.login_limiter = RateLimiter(settings.login_rate_limit_per_minute)
    await bootstrap_administrator(app, settings)


async def open_signing_keys(app: FastAPI, settings: Settings) -> None:
    previous = settings.previous_key_encryption_key
    wrapper = KeyWrapper(
        decode_kek(settings.key_encryption_key.get_secret_value()),
        decode_kek(previous.get_secret_value()) if previous is not None else None,
    )
    app.state.keys = KeyStore(app.state.sessionmaker, settings.key_overlap_seconds, wrapper)
    await app.state.keys.ensure_and_load()
    app.state.verifier.keys.load(await app.state.keys.jwks())


async def bootstrap_administrator(app: FastAPI, settings: Settings) -> None:
    generated = await bootstrap(app.state.sessionmaker, settings)
    if generated:
        announce_generated_password(settings.admin_username, generated)
