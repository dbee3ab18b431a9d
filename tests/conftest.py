"""Fixtures shared by every test: a real PostgreSQL, one fresh database per service built by
`alembic upgrade head`, a test signing key, token factories and in-process API clients whose every
test runs inside a rolled-back transaction (SQLAlchemy's create_savepoint recipe)."""

from __future__ import annotations

import asyncio
import importlib
import os
import time
import uuid
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, create_async_engine

from scripts.localdb import DATA_DIR, ensure_database, start_embedded
from shared import jwt as qjwt
from shared.config import database_url_for
from shared.db import COMMIT_ON_ERROR, get_session, request_transaction
from shared.migrations import upgrade
from shared.reference import scopes_for_roles

ISSUER = "qihang-gateway"
AUDIENCE = "qihang-api"
TEST_KID = "test-key-1"


OLDEST_POSTGRES = 15  # the oldest major the project supports (README "PostgreSQL versions")


def server_major(url: str) -> int:
    """The server's major version (read in a thread of its own: a session fixture may run inside the event loop)."""

    async def read() -> int:
        connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            return int(await connection.fetchval("SHOW server_version_num")) // 10000
        finally:
            await connection.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, read()).result()


TESTED_ON = pytest.StashKey[str]()


def pytest_terminal_summary(terminalreporter, config) -> None:
    """Say which server the run was tested against (CI's log shows it beside the result)."""
    if TESTED_ON in config.stash:
        terminalreporter.write_line(f"tests ran against {config.stash[TESTED_ON]}")


@pytest.fixture(scope="session")
def pg_server_url(request):
    url = os.environ.get("TEST_DATABASE_URL")
    server = None
    if not url:
        server = start_embedded(DATA_DIR / "pg-test")
        url = server.get_uri("postgres")
    major = server_major(url)
    if major < OLDEST_POSTGRES:
        pytest.exit(f"PostgreSQL {major} is older than the oldest supported ({OLDEST_POSTGRES}).", returncode=2)
    request.config.stash[TESTED_ON] = f"PostgreSQL {major} ({'embedded' if server else 'TEST_DATABASE_URL'})"
    yield url
    if server is not None:
        server.cleanup()


@pytest.fixture(scope="session")
def database_url(pg_server_url: str) -> Callable[[str], str]:
    """database_url("registry") -> URL of a fresh, migrated test database for that service (made once a run)."""
    made: dict[str, str] = {}

    def make(service: str) -> str:
        if service not in made:
            # TEST_DB_SUFFIX lets two runs share one server without dropping each other's databases.
            name = f"qihang_test_{service}{os.environ.get('TEST_DB_SUFFIX', '')}"
            ensure_database(pg_server_url, name, recreate=True)
            url = database_url_for(pg_server_url, name)
            upgrade(service, url)
            made[service] = url
        return made[service]

    return make


@pytest.fixture(scope="session")
def signing_key() -> str:
    return qjwt.generate_private_key_pem()


@pytest.fixture(scope="session")
def jwks(signing_key: str) -> dict[str, Any]:
    return {"keys": [qjwt.public_jwk(signing_key, TEST_KID)]}


@pytest.fixture(scope="session")
def jwks_fetcher(jwks: dict[str, Any]):
    async def fetch() -> dict[str, Any]:
        return jwks

    return fetch


@pytest.fixture(scope="session")
def make_token(signing_key: str) -> Callable[..., str]:
    """make_token(roles=["staff"], department="township", jurisdiction="dapu", **claim_overrides)."""

    def make(
        *,
        roles: list[str] | None = None,
        department: str | None = "nco",
        jurisdiction: str | None = None,
        scopes: list[str] | None = None,
        kind: str = "user",
        lifetime: int = 300,
        **overrides: Any,
    ) -> str:
        roles = roles if roles is not None else ["staff"]
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": str(uuid.uuid4()),
            "iat": now,
            "nbf": now,
            "exp": now + lifetime,
            "jti": uuid.uuid4().hex,
            "typ": kind,
            "name": "tester",
            "roles": roles,
            "dept": department,
            "jur": jurisdiction,
            "scope": " ".join(sorted(scopes if scopes is not None else scopes_for_roles(set(roles)))),
        }
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not ...}
        return qjwt.sign(claims, signing_key, overrides.pop("kid", TEST_KID) if "kid" in overrides else TEST_KID)

    return make


@asynccontextmanager
async def rolled_back_app(
    app: FastAPI, url: str, *, timeout: float = 5.0
) -> AsyncIterator[tuple[httpx.AsyncClient, AsyncSession, AsyncConnection]]:
    """An in-process client of `app` whose every request runs on one session inside an outer transaction that is
    rolled back at the end (SQLAlchemy's create_savepoint recipe); the session and its connection too."""
    engine = create_async_engine(url)
    async with engine.connect() as conn:
        outer = await conn.begin()
        session = AsyncSession(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)

        async def session_override() -> AsyncIterator[AsyncSession]:
            try:
                async with request_transaction(session):
                    yield session
            finally:
                session.info.pop(COMMIT_ON_ERROR, None)

        app.dependency_overrides[get_session] = session_override
        try:
            async with app.router.lifespan_context(app):
                transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
                async with httpx.AsyncClient(
                    transport=transport, base_url="http://testserver", timeout=timeout
                ) as client:
                    yield client, session, conn
        finally:
            await session.close()
            await outer.rollback()
    await engine.dispose()


async def _isolated_client(app: FastAPI, url: str) -> AsyncIterator[tuple[httpx.AsyncClient, AsyncSession]]:
    async with rolled_back_app(app, url) as (client, session, _conn):
        yield client, session


@pytest.fixture
def service_client(database_url, jwks_fetcher):
    """service_client("registry", create_app) -> async context of (client, session) for that service."""

    @asynccontextmanager
    async def make(service: str, create_app: Callable[..., FastAPI], **settings: Any):
        url = database_url(service)
        app = create_app(_settings(service, url, **settings), jwks_fetcher=jwks_fetcher)
        async for pair in _isolated_client(app, url):
            yield pair

    return make


def _settings(service: str, url: str, **overrides: Any):
    settings_cls = importlib.import_module(f"{service}.config").Settings
    return settings_cls(database_url=url, environment="test", log_json=False, **overrides)


def _app_fixtures(service: str):
    """The fixtures `<service>_and_session` (the service's in-process client and the session its requests run on,
    inside the test's rolled-back transaction) and `<service>` (that client alone)."""

    @pytest.fixture(name=f"{service}_and_session")
    async def client_and_session(service_client):
        async with service_client(service, importlib.import_module(f"{service}.main").create_app) as pair:
            yield pair

    @pytest.fixture(name=service)
    def client(request):
        return request.getfixturevalue(f"{service}_and_session")[0]

    return client_and_session, client


registry_and_session, registry = _app_fixtures("registry")
placement_and_session, placement = _app_fixtures("placement")
subsidy_and_session, subsidy = _app_fixtures("subsidy")
reporting_and_session, reporting = _app_fixtures("reporting")


@pytest.fixture
def auth(make_token):
    """auth(department="township", jurisdiction="dapu", roles=["staff"], **claims) -> headers (county NCO staff
    unless told)."""

    def headers(department: str | None = "nco", jurisdiction: str | None = None, roles=("staff",), **extra) -> dict:
        token = make_token(roles=list(roles), department=department, jurisdiction=jurisdiction, **extra)
        return {"Authorization": f"Bearer {token}"}

    return headers
