"""App factory of the gateway: token issuer, admin of users/clients/keys, router to the four services."""

from __future__ import annotations

from typing import Any

import httpx
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


def create_app(
    settings: Settings | None = None, *, upstream_transport: httpx.AsyncBaseTransport | None = None, **_: Any
) -> FastAPI:
    """`upstream_transport` replaces the network to the four services (tests play them in-process)."""
    settings = settings or Settings()
    upstreams = Upstreams(settings, transport=upstream_transport)
    app: FastAPI

    async def own_keys() -> dict[str, Any]:
        # The gateway verifies its own tokens from its database, not over HTTP.
        await app.state.keys.reload()
        return await app.state.keys.jwks()

    async def start(app_: FastAPI) -> None:
        previous = settings.previous_key_encryption_key
        wrapper = KeyWrapper(
            decode_kek(settings.key_encryption_key.get_secret_value()),
            decode_kek(previous.get_secret_value()) if previous is not None else None,
        )
        app_.state.keys = KeyStore(app_.state.sessionmaker, settings.key_overlap_seconds, wrapper)
        await app_.state.keys.ensure_and_load()
        app_.state.verifier.keys.load(await app_.state.keys.jwks())
        app_.state.subject_status = SubjectStatus(app_.state.sessionmaker, settings.subject_status_cache_seconds)
        # What shared.auth.get_principal and the proxy ask about every token: the gateway reads its own database.
        app_.state.revocations = app_.state.subject_status
        app_.state.login_limiter = RateLimiter(settings.login_rate_limit_per_minute)
        generated = await bootstrap(app_.state.sessionmaker, settings)
        if generated:
            announce_generated_password(settings.admin_username, generated)

    app = create_service_app(
        settings,
        title="Qihang platform API",
        description=(
            "The system of record of Liucheng County's Qihang Project (启航工程): community detox and "
            "rehabilitation, employment placement, subsidies and reporting. Log in at `POST /api/v1/auth/token`, "
            "then send `Authorization: Bearer <access_token>`. Errors are RFC 9457 problem+json."
        ),
        public_routers=[auth_public_router, password_router],
        routers=[auth_router, users_router, clients_router, keys_router, events_router],
        jwks_fetcher=own_keys,
        on_startup=[start, upstreams.open],
        on_shutdown=[upstreams.close],
        body_limits={prefix: settings.max_upload_bytes for prefix in UPLOAD_PREFIXES},
        openapi_tags=[
            {"name": "auth", "description": "Log-in, tokens and the public keys that verify them."},
            {"name": "admin", "description": "Users, integration clients, signing keys and log-in events."},
        ],
    )
    install_routing(app, settings, upstreams)
    return app
