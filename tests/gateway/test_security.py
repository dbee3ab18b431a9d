"""Accounts and tokens at the gateway: a password set by an administrator must be changed before anything else,
changes that make a token's claims stale revoke it, the revocation list the services poll, the last active
administrator, and signing keys stored wrapped with the key-encryption key."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import secrets
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import pytest

from gateway.config import DEV_KEY_ENCRYPTION_KEY, Settings
from scripts.localdb import asyncpg_dsn, ensure_database
from shared import jwt as qjwt
from shared.config import database_url_for
from shared.migrations import upgrade
from tests.calls import bearer
from tests.gateway.conftest import ADMIN_PASSWORD, change_password, client_token, login, running_gateway
from tests.gateway.upstreams import FakeUpstreams

SERVICE_SECRET = "registry-service-secret-for-tests"


def claims_of(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def kid_of(token: str) -> str:
    return json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))["kid"]


def new_kek() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


async def service_token(client) -> str:
    return await client_token(client, {"client_id": "svc-registry", "client_secret": SERVICE_SECRET})


async def revocations(client) -> dict[str, dict]:
    response = await client.get("/api/v1/auth/revocations", headers=bearer(await service_token(client)))
    assert response.status_code == 200, response.text
    return {entry["subject"]: entry for entry in response.json()["subjects"]}


@pytest.fixture
async def gateway(database_url) -> AsyncIterator:
    """The gateway before the fake services, with the registry's service client registered."""
    async with running_gateway(
        database_url("gateway"),
        upstreams=FakeUpstreams(),
        registry_service_client_secret=SERVICE_SECRET,
    ) as client:
        yield client


@pytest.fixture
def fresh_database(pg_server_url):
    """A new, migrated gateway database of its own: for what needs to know every administrator or key there is."""

    def make() -> str:
        name = f"qihang_test_gateway_lone{os.environ.get('TEST_DB_SUFFIX', '')}"
        ensure_database(pg_server_url, name, recreate=True)
        url = database_url_for(pg_server_url, name)
        upgrade("gateway", url)
        return url

    return make


@asynccontextmanager
async def connect(url: str) -> AsyncIterator[asyncpg.Connection]:
    dsn, kwargs = asyncpg_dsn(url)
    conn = await asyncpg.connect(dsn, **kwargs)
    try:
        yield conn
    finally:
        await conn.close()


# --- a password set by an administrator ------------------------------------------------------------------------


async def test_until_the_password_is_changed_the_token_may_only_change_it(gateway, create_user, admin_headers):
    user, password = await create_user(ready=False, roles=["staff"], department="township", jurisdiction="dapu")
    assert user["must_change_password"] is True
    logged_in = await login(gateway, user["username"], password)
    assert logged_in.status_code == 200
    body = logged_in.json()
    assert body["password_change_required"] is True and body["scope"] == ""
    claims = claims_of(body["access_token"])
    assert claims["pwd_change"] is True and claims["roles"] == [] and claims["scope"] == ""
    assert claims["jur"] == "dapu"  # never county-wide by omission
    restricted = bearer(body["access_token"])
    for method, path in (
        ("GET", "/api/v1/auth/me"),
        ("GET", "/api/v1/auth/reference"),
        ("GET", "/api/v1/persons"),
        ("GET", "/api/v1/admin/users"),
    ):
        refused = await gateway.request(method, path, headers=restricted)
        assert refused.status_code == 403, (path, refused.text)
        assert refused.json()["code"] == "password_change_required"
    # The refresh token gives another restricted token, not a way around.
    refreshed = await gateway.post(
        "/api/v1/auth/token", data={"grant_type": "refresh_token", "refresh_token": body["refresh_token"]}
    )
    assert refreshed.json()["password_change_required"] is True
    changed = await gateway.post(
        "/api/v1/auth/password",
        json={"current_password": password, "new_password": "my-own-new-password-1"},
        headers=restricted,
    )
    assert changed.status_code == 204, changed.text
    # The restricted token ends with the change; a new log-in gets the user's roles.
    assert (await gateway.get("/api/v1/auth/me", headers=restricted)).json()["code"] == "token_revoked"
    fresh = (await login(gateway, user["username"], "my-own-new-password-1")).json()
    assert fresh["password_change_required"] is False and "registry:read" in fresh["scope"].split()
    assert (await gateway.get("/api/v1/persons", headers=bearer(fresh["access_token"]))).status_code == 200


async def test_a_reset_password_must_be_changed_again_and_ends_live_tokens(gateway, create_user, admin_headers):
    user, password = await create_user()
    token = (await login(gateway, user["username"], password)).json()["access_token"]
    reset = await gateway.post(f"/api/v1/admin/users/{user['id']}/reset-password", json={}, headers=admin_headers)
    assert reset.status_code == 200
    refused = await gateway.get("/api/v1/auth/me", headers=bearer(token))
    assert refused.status_code == 401 and refused.json()["code"] == "token_revoked"
    again = (await login(gateway, user["username"], reset.json()["generated_password"])).json()
    assert again["password_change_required"] is True


# --- stale claims are revoked ----------------------------------------------------------------------------------


async def test_a_change_of_roles_revokes_the_users_live_tokens(gateway, create_user, admin_headers):
    user, password = await create_user(roles=["staff"])
    token = (await login(gateway, user["username"], password)).json()["access_token"]
    assert isinstance(claims_of(token)["tv"], int)
    current = await gateway.get(f"/api/v1/admin/users/{user['id']}", headers=admin_headers)
    demoted = await gateway.patch(
        f"/api/v1/admin/users/{user['id']}",
        json={"roles": ["viewer"]},
        headers={**admin_headers, "If-Match": current.headers["etag"]},
    )
    assert demoted.status_code == 200, demoted.text
    # The old token says "staff" (registry:write): refused at the gateway's own routes and before any service.
    for path in ("/api/v1/auth/me", "/api/v1/persons"):
        refused = await gateway.get(path, headers=bearer(token))
        assert refused.status_code == 401 and refused.json()["code"] == "token_revoked"
    renamed = await gateway.patch(
        f"/api/v1/admin/users/{user['id']}",
        json={"display_name": "新名字"},
        headers={**admin_headers, "If-Match": demoted.headers["etag"]},
    )
    assert renamed.status_code == 200
    viewer = (await login(gateway, user["username"], password)).json()["access_token"]
    assert (await gateway.get("/api/v1/auth/me", headers=bearer(viewer))).status_code == 200  # a name is no claim


async def test_rotating_a_clients_secret_revokes_its_tokens(gateway, admin_headers):
    created = (
        await gateway.post(
            "/api/v1/admin/clients",
            json={"name": "县民政局救助系统", "scopes": ["registry:read"], "department": "civil_affairs"},
            headers=admin_headers,
        )
    ).json()
    token = await client_token(gateway, created)
    assert (await gateway.get("/api/v1/persons", headers=bearer(token))).status_code == 200
    rotated = await gateway.post(f"/api/v1/admin/clients/{created['id']}/rotate-secret", headers=admin_headers)
    assert rotated.status_code == 200
    refused = await gateway.get("/api/v1/persons", headers=bearer(token))
    assert refused.status_code == 401 and refused.json()["code"] == "token_revoked"
    listed = await revocations(gateway)
    assert listed[f"client:{created['client_id']}"]["token_version"] == claims_of(token)["tv"] + 1


# --- the revocation list the services poll ---------------------------------------------------------------------


async def test_the_revocation_list_names_disabled_and_revoked_subjects_for_service_clients_only(
    gateway, create_user, admin_headers, admin_token
):
    disabled, _ = await create_user()
    reset, _ = await create_user()
    untouched, _ = await create_user()
    assert (await gateway.post(f"/api/v1/admin/users/{disabled['id']}/disable", headers=admin_headers)).is_success
    assert (
        await gateway.post(f"/api/v1/admin/users/{reset['id']}/reset-password", json={}, headers=admin_headers)
    ).is_success
    listed = await revocations(gateway)
    assert listed[disabled["id"]]["disabled"] is True
    assert listed[reset["id"]]["disabled"] is False
    # Each was raised by its password change at creation, then once more.
    assert listed[disabled["id"]]["token_version"] == 2 and listed[reset["id"]]["token_version"] == 2
    assert listed[untouched["id"]]["token_version"] == 1  # its password change only
    # Staff, admins and other departments' systems may not read it.
    refused = await gateway.get("/api/v1/auth/revocations", headers=bearer(admin_token))
    assert refused.status_code == 403 and refused.json()["code"] == "service_clients_only"
    assert (await gateway.get("/api/v1/auth/revocations")).status_code == 401


# --- the last active administrator -----------------------------------------------------------------------------


async def make_admin(client, headers: dict[str, str]) -> tuple[dict, str]:
    password = "second-admin-password-1"
    created = await client.post(
        "/api/v1/admin/users",
        json={
            "username": f"admin{uuid.uuid4().hex[:6]}",
            "display_name": "第二管理员",
            "password": password,
            "roles": ["admin"],
            "department": "nco",
        },
        headers=headers,
    )
    assert created.status_code == 201, created.text
    user = created.json()
    password = await change_password(client, user["username"], password)
    token = (await login(client, user["username"], password)).json()["access_token"]
    return user, token


async def test_the_last_active_administrator_can_be_neither_disabled_nor_demoted(fresh_database):
    async with running_gateway(fresh_database()) as client:
        first = (await login(client, "admin", ADMIN_PASSWORD)).json()["access_token"]
        first_id = claims_of(first)["sub"]
        second, second_token = await make_admin(client, bearer(first))
        # Two administrators: one may disable the other.
        assert (await client.post(f"/api/v1/admin/users/{second['id']}/disable", headers=bearer(first))).is_success
        # Now the first is the last: it cannot be demoted, by itself or anyone.
        current = await client.get(f"/api/v1/admin/users/{first_id}", headers=bearer(first))
        demote = await client.patch(
            f"/api/v1/admin/users/{first_id}",
            json={"roles": ["staff"]},
            headers={**bearer(first), "If-Match": current.headers["etag"]},
        )
        assert demote.status_code == 409 and demote.json()["code"] == "last_admin"
        still = await client.get("/api/v1/auth/me", headers=bearer(first))
        assert still.status_code == 200 and "admin" in still.json()["roles"]
        # Re-enabled, the second may be demoted again (two active administrators).
        assert (await client.post(f"/api/v1/admin/users/{second['id']}/enable", headers=bearer(first))).is_success
        current = await client.get(f"/api/v1/admin/users/{second['id']}", headers=bearer(first))
        demoted = await client.patch(
            f"/api/v1/admin/users/{second['id']}",
            json={"roles": ["staff"]},
            headers={**bearer(first), "If-Match": current.headers["etag"]},
        )
        assert demoted.status_code == 200, demoted.text
        # The demotion revoked the second's token, which still said "admin".
        stale = await client.post(f"/api/v1/admin/users/{first_id}/disable", headers=bearer(second_token))
        assert stale.status_code == 401 and stale.json()["code"] == "token_revoked"


async def test_two_administrators_disabling_each_other_at_once_leave_one(fresh_database):
    url = fresh_database()
    async with running_gateway(url) as client:
        first = (await login(client, "admin", ADMIN_PASSWORD)).json()["access_token"]
        first_id = claims_of(first)["sub"]
        second, second_token = await make_admin(client, bearer(first))
        async with connect(url) as holder:
            # Hold both administrators' rows, so that both requests are past their checks and waiting here when
            # they are let go together.
            transaction = holder.transaction()
            await transaction.start()
            await holder.fetch("SELECT id FROM user_account WHERE 'admin' = ANY(roles) FOR UPDATE")
            first_disables = asyncio.create_task(
                client.post(f"/api/v1/admin/users/{second['id']}/disable", headers=bearer(first))
            )
            second_disables = asyncio.create_task(
                client.post(f"/api/v1/admin/users/{first_id}/disable", headers=bearer(second_token))
            )
            async with connect(url) as watcher:
                for _ in range(200):
                    waiting = await watcher.fetchval(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                        "AND wait_event_type = 'Lock'"
                    )
                    if waiting >= 2:
                        break
                    await asyncio.sleep(0.05)
                assert waiting >= 2, "both requests should be waiting for the administrators' rows"
            await transaction.rollback()
            answers = sorted([(await first_disables).status_code, (await second_disables).status_code])
        assert answers == [200, 409], answers
        async with connect(url) as conn:
            active = await conn.fetchval(
                "SELECT count(*) FROM user_account WHERE 'admin' = ANY(roles) AND disabled_at IS NULL"
            )
        assert active == 1


# --- signing keys at rest --------------------------------------------------------------------------------------


async def test_signing_keys_are_stored_wrapped_and_plain_ones_are_wrapped_at_start(fresh_database):
    url = fresh_database()
    plain_pem = qjwt.generate_private_key_pem()
    async with connect(url) as conn:
        # As a gateway from before the key-encryption key left it.
        await conn.execute("INSERT INTO signing_key (kid, private_key_pem) VALUES ('k-plain-old', $1)", plain_pem)
    kek = new_kek()
    async with running_gateway(url, key_encryption_key=kek) as client:
        token = (await login(client, "admin", ADMIN_PASSWORD)).json()["access_token"]
        assert kid_of(token) == "k-plain-old"
        assert (await client.get("/api/v1/auth/me", headers=bearer(token))).status_code == 200
        rotated = await client.post("/api/v1/admin/keys/rotate", headers=bearer(token))
        assert rotated.status_code == 201
    async with connect(url) as conn:
        rows = await conn.fetch("SELECT kid, private_key_pem, wrapped_private_key FROM signing_key ORDER BY kid")
    assert len(rows) == 2
    for row in rows:
        assert row["private_key_pem"] is None
        assert row["wrapped_private_key"].startswith("v1.") and "PRIVATE KEY" not in row["wrapped_private_key"]
    # A database copied without the key-encryption key signs nothing: the gateway refuses to start with another.
    with pytest.raises(Exception, match="key-encryption key"):
        async with running_gateway(url, key_encryption_key=new_kek()):
            pass
    # Rotating the key-encryption key: the old one as the previous key, and every key is re-wrapped.
    newer = new_kek()
    async with running_gateway(url, key_encryption_key=newer, previous_key_encryption_key=kek) as client:
        assert (await login(client, "admin", ADMIN_PASSWORD)).status_code == 200
    async with running_gateway(url, key_encryption_key=newer) as client:
        assert (await login(client, "admin", ADMIN_PASSWORD)).status_code == 200


async def test_a_wrapped_key_moved_to_another_kid_does_not_unwrap(fresh_database):
    url = fresh_database()
    async with running_gateway(url) as client:
        assert (await login(client, "admin", ADMIN_PASSWORD)).status_code == 200
    async with connect(url) as conn:
        wrapped = await conn.fetchval("SELECT wrapped_private_key FROM signing_key")
        await conn.execute("UPDATE signing_key SET retired_at = now() - interval '2 hours'")
        await conn.execute("INSERT INTO signing_key (kid, wrapped_private_key) VALUES ('k-moved', $1)", wrapped)
    with pytest.raises(Exception, match="k-moved"):
        async with running_gateway(url):
            pass


def test_production_refuses_the_development_key_encryption_key():
    production = {
        "environment": "production",
        "database_url": "postgresql+asyncpg://gw:pw@db/qihang_gateway",
        "cursor_key": secrets.token_urlsafe(32),
    }
    with pytest.raises(ValueError, match="GATEWAY_KEY_ENCRYPTION_KEY"):
        Settings(**production)
    with pytest.raises(ValueError, match="GATEWAY_KEY_ENCRYPTION_KEY"):
        Settings(**production, key_encryption_key=DEV_KEY_ENCRYPTION_KEY)
    with pytest.raises(ValueError, match="32 bytes"):
        Settings(key_encryption_key="too-short")
    assert Settings(**production, key_encryption_key=new_kek()).environment == "production"
