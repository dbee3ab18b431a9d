"""End-to-end: the real gateway and services as separate uvicorn processes on spare ports, over HTTP."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from scripts.localdb import ensure_database
from scripts.roles import after_migrations, provision
from scripts.run import uvicorn_command
from shared.migrations import upgrade

ROOT = Path(__file__).resolve().parents[2]
# E2E_PORT_BASE moves the five ports (base .. base+4), so two checkouts can run their e2e tests at once.
_PORT_BASE = int(os.environ.get("E2E_PORT_BASE", "18200"))
PORTS = {
    service: _PORT_BASE + offset
    for offset, service in enumerate(("gateway", "registry", "placement", "subsidy", "reporting"))
}
# A department's webhook receiver, run by tests/e2e/test_webhooks.py: the one target on the services' allow-lists.
WEBHOOK_RECEIVER_PORT = _PORT_BASE + 5
ADMIN_PASSWORD = "e2e-admin-password"


@dataclass
class System:
    env: dict[str, str]
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    logs: dict[str, Path] = field(default_factory=dict)

    def url(self, service: str = "gateway") -> str:
        return f"http://127.0.0.1:{PORTS[service]}"

    def start(self, service: str) -> None:
        log = self.logs[service].open("ab")
        self.procs[service] = subprocess.Popen(
            uvicorn_command(f"{service}.main:create_app", PORTS[service]),
            env=self.env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_until(lambda: ready(f"{self.url(service)}/healthz"), f"{service} did not start", self.logs[service])

    def stop(self, service: str) -> None:
        proc = self.procs.pop(service, None)
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def ready(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def wait_until(check, message: str, log: Path | None = None, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
    raise AssertionError(f"{message}\n{tail}")


@pytest.fixture(scope="session")
def system(pg_server_url, tmp_path_factory) -> Iterator[System]:
    env = {**os.environ, "ADMIN_PASSWORD": ADMIN_PASSWORD, "ADMIN_USERNAME": "admin"}
    for service, port in PORTS.items():
        name = f"qihang_e2e_{service}{os.environ.get('TEST_DB_SUFFIX', '')}"
        ensure_database(pg_server_url, name, recreate=True)
        # As in make run: migrated as the database's owner role, served as the service's own role (scripts/roles.py),
        # so that nothing here needs more than the service will have in production.
        database = provision(
            pg_server_url,
            service,
            name,
            password=secrets.token_urlsafe(16),
            owner_password=secrets.token_urlsafe(16),
            suffix=f"_e2e{os.environ.get('TEST_DB_SUFFIX', '')}",
        )
        upgrade(service, database.owner_url)
        after_migrations(pg_server_url, database)
        prefix = service.upper()
        env[f"{prefix}_DATABASE_URL"] = database.runtime_url
        env[f"{prefix}_DATABASE_PASSWORD"] = database.runtime_password
        env[f"{prefix}_ENVIRONMENT"] = "test"
        env[f"{prefix}_JWKS_URL"] = f"http://127.0.0.1:{PORTS['gateway']}/.well-known/jwks.json"
        env[f"{prefix}_GATEWAY_URL"] = f"http://127.0.0.1:{PORTS['gateway']}"
        if service != "gateway":
            env[f"GATEWAY_{prefix}_URL"] = f"http://127.0.0.1:{port}"
    env["GATEWAY_UPSTREAM_TIMEOUT_SECONDS"] = "5"
    # Every e2e module logs its people in from 127.0.0.1 within the same minute or two; the production limit (20 a
    # minute per address) is tested in tests/gateway, not here, where it only made later modules' log-ins 429.
    env["GATEWAY_LOGIN_RATE_LIMIT_PER_MINUTE"] = "1000"
    # Placement follows the registry's events with its own client, registered by the gateway from the same secret.
    env["PLACEMENT_SERVICE_CLIENT_ID"] = "svc-placement"
    env["PLACEMENT_SERVICE_CLIENT_SECRET"] = secrets.token_urlsafe(32)
    env["PLACEMENT_REGISTRY_FEED_ENABLED"] = "true"
    env["PLACEMENT_REGISTRY_FEED_POLL_SECONDS"] = "0.2"
    env["PLACEMENT_REGISTRY_FEED_MAX_BACKOFF_SECONDS"] = "1"
    # Reporting follows the registry's, placement's and subsidy's feeds with its own client (svc-reporting).
    env["REPORTING_FEEDS_ENABLED"] = "true"
    env["REPORTING_FEED_POLL_SECONDS"] = "0.3"
    env["REPORTING_FEED_MAX_BACKOFF_SECONDS"] = "1"
    # Every service learns revoked tokens from the gateway with its own client (shared.revocation), as in make run.
    for service in ("registry", "placement", "subsidy", "reporting"):
        prefix = service.upper()
        env.setdefault(f"{prefix}_SERVICE_CLIENT_ID", f"svc-{service}")
        env.setdefault(f"{prefix}_SERVICE_CLIENT_SECRET", secrets.token_urlsafe(32))
        env[f"{prefix}_REVOCATION_CHECK_ENABLED"] = "true"
    # The services with event feeds deliver webhooks in the background, to the e2e receiver only.
    for service in ("registry", "placement", "subsidy"):
        prefix = service.upper()
        env[f"{prefix}_WEBHOOK_ALLOWED_HOSTS"] = f"127.0.0.1:{WEBHOOK_RECEIVER_PORT}"
        env[f"{prefix}_WEBHOOK_DELIVERY_ENABLED"] = "true"
        env[f"{prefix}_WEBHOOK_POLL_SECONDS"] = "0.2"
    logs = tmp_path_factory.mktemp("e2e-logs")
    system = System(env=env, logs={s: logs / f"{s}.log" for s in PORTS})
    try:
        for service in ("gateway", "registry", "placement", "subsidy", "reporting"):
            system.start(service)
        yield system
    finally:
        for service in list(system.procs):
            system.stop(service)


@pytest.fixture(scope="session")
def admin_token(system) -> str:
    response = httpx.post(
        f"{system.url()}/api/v1/auth/token",
        data={"grant_type": "password", "username": "admin", "password": ADMIN_PASSWORD},
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def change_password(system: System, username: str, password: str) -> str:
    """A user an administrator created must change the password before anything else; returns the new one."""
    token = httpx.post(
        f"{system.url()}/api/v1/auth/token",
        data={"grant_type": "password", "username": username, "password": password},
    )
    assert token.status_code == 200, token.text
    new = f"{password}-own"
    changed = httpx.post(
        f"{system.url()}/api/v1/auth/password",
        json={"current_password": password, "new_password": new},
        headers={"Authorization": f"Bearer {token.json()['access_token']}"},
    )
    assert changed.status_code == 204, changed.text
    return new


def call(system: System, method: str, path: str, headers: dict, *, timeout: float = 20, **kwargs) -> httpx.Response:
    """One request to the gateway."""
    return httpx.request(method, f"{system.url()}{path}", headers=headers, timeout=timeout, **kwargs)


def staff_headers(
    system: System, admin_token: str, name: tuple[str, str, str], department: str, jurisdiction: str | None
) -> dict[str, str]:
    """A staff user created by the admin, who changed the first password and logged in through the gateway: the
    Authorization header of their token. `name`: (username, first password, display name)."""
    username, password, display_name = name
    created = call(
        system,
        "POST",
        "/api/v1/admin/users",
        {"Authorization": f"Bearer {admin_token}"},
        json={
            "username": username,
            "display_name": display_name,
            "password": password,
            "roles": ["staff"],
            "department": department,
            "jurisdiction": jurisdiction,
        },
    )
    assert created.status_code == 201, created.text
    password = change_password(system, username, password)
    token = httpx.post(
        f"{system.url()}/api/v1/auth/token",
        data={"grant_type": "password", "username": username, "password": password},
    )
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def new_employer(system: System, headers: dict[str, str], name: str, jurisdiction: str) -> str:
    """An enterprise registered through the gateway (its name made unique); its id."""
    employer = call(
        system,
        "POST",
        "/api/v1/employers",
        headers,
        json={"name": f"{name}-{uuid.uuid4().hex[:6]}", "kind": "enterprise", "jurisdiction_code": jurisdiction},
    )
    assert employer.status_code == 201, employer.text
    return employer.json()["id"]
