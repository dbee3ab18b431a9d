"""The gateway keeps its own state (keys, who is disabled, log-in events) in its database and reads it on
separate connections, so its tests use committed data: one migrated database per run, unique names per test."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import httpx
import pytest

from gateway.config import Settings
from gateway.main import create_app
from tests.gateway.upstreams import FakeUpstreams

ADMIN_PASSWORD = "admin-password-for-tests"


def gateway_settings(url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": url,
        "environment": "test",
        "log_json": False,
        "admin_username": "admin",
        "admin_password": ADMIN_PASSWORD,
        "login_rate_limit_per_minute": 10_000,
        "rate_limit_per_minute": 10_000,
    }
    values.update(overrides)
    return Settings(**values)


@asynccontextmanager
async def running_gateway(
    url: str, *, upstreams: FakeUpstreams | None = None, **overrides: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway in-process; `upstreams` play the four services on real sockets (see tests/gateway/upstreams.py)
    and replace the settings' URLs of those services."""
    async with AsyncExitStack() as stack:
        trace_configs = []
        if upstreams is not None:
            await stack.enter_async_context(upstreams.serving())
            overrides = {**overrides, **upstreams.urls}
            trace_configs.append(upstreams.trace_config)
        app = create_app(gateway_settings(url, **overrides), upstream_trace_configs=trace_configs)
        await stack.enter_async_context(app.router.lifespan_context(app))
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=("10.0.0.7", 5000))
        client = await stack.enter_async_context(httpx.AsyncClient(transport=transport, base_url="http://gateway"))
        client.app = app  # type: ignore[attr-defined]
        yield client


@pytest.fixture
async def gateway(database_url) -> AsyncIterator[httpx.AsyncClient]:
    async with running_gateway(database_url("gateway")) as client:
        yield client


@pytest.fixture
def upstreams() -> FakeUpstreams:
    return FakeUpstreams()


@pytest.fixture
async def gateway_with_upstreams(database_url, upstreams) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway in front of `upstreams`, the fake services (a module that wants it as its `gateway` says so)."""
    async with running_gateway(database_url("gateway"), upstreams=upstreams) as client:
        yield client


async def login(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await client.post(
        "/api/v1/auth/token", data={"grant_type": "password", "username": username, "password": password}
    )


@pytest.fixture
async def admin_token(gateway) -> str:
    response = await login(gateway, "admin", ADMIN_PASSWORD)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


@pytest.fixture
def admin_headers(admin_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {admin_token}"}


async def client_token(client: httpx.AsyncClient, registered: dict[str, Any]) -> str:
    """An access token of a registered client (`client_id`, `client_secret`), by the client_credentials grant."""
    response = await client.post(
        "/api/v1/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": registered["client_id"],
            "client_secret": registered["client_secret"],
        },
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


async def change_password(client: httpx.AsyncClient, username: str, password: str) -> str:
    """Log in with the password an administrator set, change it (the one thing that token may do); returns the
    new password."""
    token = (await login(client, username, password)).json()["access_token"]
    new = f"{password}-own"
    changed = await client.post(
        "/api/v1/auth/password",
        json={"current_password": password, "new_password": new},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert changed.status_code == 204, changed.text
    return new


@pytest.fixture
def create_user(gateway, admin_headers):
    """create_user(department="township", jurisdiction="dapu", roles=["staff"]) -> (user json, password).
    The user has changed the password the administrator set (ready=False: not yet, must_change_password)."""

    async def make(*, ready: bool = True, **fields: Any) -> tuple[dict[str, Any], str]:
        password = fields.pop("password", "a-good-password-" + uuid.uuid4().hex[:6])
        body = {
            "username": fields.pop("username", f"u{uuid.uuid4().hex[:10]}"),
            "display_name": fields.pop("display_name", "测试用户"),
            "password": password,
            "roles": fields.pop("roles", ["staff"]),
            "department": fields.pop("department", "nco"),
            **fields,
        }
        response = await gateway.post("/api/v1/admin/users", json=body, headers=admin_headers)
        assert response.status_code == 201, response.text
        if not ready:
            return response.json(), password
        return response.json(), await change_password(gateway, body["username"], password)

    return make
