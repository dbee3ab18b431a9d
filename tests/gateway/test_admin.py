import base64
import json

import asyncpg
import pytest

from scripts.localdb import asyncpg_dsn
from tests.gateway.conftest import client_token, login, running_gateway


def kid_of(token: str) -> str:
    return json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))["kid"]


async def test_admin_creates_a_township_user_who_sees_their_jurisdiction_in_the_token(gateway, create_user):
    user, password = await create_user(department="township", jurisdiction="dapu", roles=["staff"])
    assert (user["department"], user["jurisdiction"], user["must_change_password"]) == ("township", "dapu", True)
    token = (await login(gateway, user["username"], password)).json()["access_token"]
    me = (await gateway.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})).json()
    assert (me["department"], me["jurisdiction"]) == ("township", "dapu")
    assert "registry:write" in me["scopes"] and "admin" not in me["scopes"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"department": "township"}, "body"),
        ({"department": "police", "jurisdiction": "dapu"}, "body"),
        ({"department": "township", "jurisdiction": "atlantis"}, "body"),
        ({"department": "nco", "roles": ["god"]}, "body.roles.0"),
        ({"department": "nco", "is_admin": True}, "body.is_admin"),
        ({"department": "nco", "password": "short"}, "body.password"),
    ],
    ids=[
        "township-without-jurisdiction",
        "county-dept-with-jurisdiction",
        "unknown-jurisdiction",
        "unknown-role",
        "unknown-field",
        "short-password",
    ],
)
async def test_bad_user_input_is_a_422_problem_and_creates_nothing(gateway, admin_headers, body, field):
    payload = {"username": "bad-input-user", "display_name": "x", "roles": ["staff"], **body}
    response = await gateway.post("/api/v1/admin/users", json=payload, headers=admin_headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert any(e["field"].startswith(field) for e in response.json()["errors"])
    listed = await gateway.get("/api/v1/admin/users", params={"q": "bad-input-user"}, headers=admin_headers)
    assert listed.json()["items"] == []


async def test_malformed_json_is_a_400_problem(gateway, admin_headers):
    response = await gateway.post(
        "/api/v1/admin/users", content=b'{"username": ', headers={**admin_headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_json"


async def test_duplicate_username_is_409(gateway, create_user, admin_headers):
    user, _ = await create_user()
    again = await gateway.post(
        "/api/v1/admin/users",
        json={"username": user["username"], "display_name": "x", "roles": ["staff"], "department": "nco"},
        headers=admin_headers,
    )
    assert again.status_code == 409 and again.json()["code"] == "username_taken"


async def test_staff_cannot_use_the_admin_api(gateway, create_user):
    user, password = await create_user()
    token = (await login(gateway, user["username"], password)).json()["access_token"]
    response = await gateway.get("/api/v1/admin/users", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403 and response.json()["code"] == "insufficient_scope"


async def test_updates_need_the_current_etag(gateway, create_user, admin_headers):
    user, _ = await create_user()
    url = f"/api/v1/admin/users/{user['id']}"
    read = await gateway.get(url, headers=admin_headers)
    etag = read.headers["etag"]
    missing = await gateway.patch(url, json={"display_name": "新名字"}, headers=admin_headers)
    assert missing.status_code == 428
    ok = await gateway.patch(url, json={"display_name": "新名字"}, headers={**admin_headers, "If-Match": etag})
    assert ok.status_code == 200 and ok.json()["display_name"] == "新名字"
    assert ok.headers["etag"] != etag
    stale = await gateway.patch(url, json={"display_name": "旧"}, headers={**admin_headers, "If-Match": etag})
    assert stale.status_code == 412
    assert (await gateway.get(url, headers=admin_headers)).json()["display_name"] == "新名字"


async def test_reset_password_generates_one_and_ends_refresh_tokens(gateway, create_user, admin_headers):
    user, password = await create_user()
    refresh = (await login(gateway, user["username"], password)).json()["refresh_token"]
    reset = await gateway.post(f"/api/v1/admin/users/{user['id']}/reset-password", json={}, headers=admin_headers)
    assert reset.status_code == 200
    new_password = reset.json()["generated_password"]
    assert (await login(gateway, user["username"], password)).status_code == 401
    assert (await login(gateway, user["username"], new_password)).status_code == 200
    reuse = await gateway.post("/api/v1/auth/token", data={"grant_type": "refresh_token", "refresh_token": refresh})
    assert reuse.status_code == 401


async def test_user_changes_own_password(gateway, create_user):
    user, password = await create_user()
    token = (await login(gateway, user["username"], password)).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    wrong = await gateway.post(
        "/api/v1/auth/password", json={"current_password": "nope", "new_password": "another-good-one"}, headers=headers
    )
    assert wrong.status_code == 403
    ok = await gateway.post(
        "/api/v1/auth/password",
        json={"current_password": password, "new_password": "another-good-one"},
        headers=headers,
    )
    assert ok.status_code == 204
    assert (await login(gateway, user["username"], "another-good-one")).status_code == 200


async def test_admin_cannot_disable_themselves(gateway, admin_headers):
    me = (await gateway.get("/api/v1/auth/me", headers=admin_headers)).json()
    response = await gateway.post(f"/api/v1/admin/users/{me['subject']}/disable", headers=admin_headers)
    assert response.status_code == 409


async def test_key_rotation_keeps_old_tokens_valid_during_the_overlap(gateway, admin_headers, admin_token):
    old_kid = kid_of(admin_token)
    rotated = await gateway.post("/api/v1/admin/keys/rotate", headers=admin_headers)
    assert rotated.status_code == 201
    new_kid = rotated.json()["kid"]
    assert new_kid != old_kid
    jwks = (await gateway.get("/.well-known/jwks.json")).json()
    assert {old_kid, new_kid} <= {k["kid"] for k in jwks["keys"]}
    assert (await gateway.get("/api/v1/auth/me", headers=admin_headers)).status_code == 200
    from tests.gateway.conftest import ADMIN_PASSWORD

    fresh = (await login(gateway, "admin", ADMIN_PASSWORD)).json()["access_token"]
    assert kid_of(fresh) == new_kid
    keys = (await gateway.get("/api/v1/admin/keys", headers=admin_headers)).json()
    assert [k["signing"] for k in keys if k["kid"] in (old_kid, new_kid)] == [True, False]


async def test_a_retired_key_leaves_the_jwks_after_the_overlap(database_url, admin_token):
    async with running_gateway(database_url("gateway"), key_overlap_seconds=0) as gw:
        headers = {"Authorization": f"Bearer {admin_token}"}
        assert (await gw.post("/api/v1/admin/keys/rotate", headers=headers)).status_code == 201
        jwks = (await gw.get("/.well-known/jwks.json")).json()
        assert kid_of(admin_token) not in {k["kid"] for k in jwks["keys"]}


async def test_disabled_client_token_is_refused(gateway, admin_headers):
    client = (
        await gateway.post(
            "/api/v1/admin/clients",
            json={"name": "人社局就业系统", "scopes": ["placement:read"]},
            headers=admin_headers,
        )
    ).json()
    token = await client_token(gateway, client)
    headers = {"Authorization": f"Bearer {token}"}
    assert (await gateway.get("/api/v1/auth/me", headers=headers)).status_code == 200
    await gateway.post(f"/api/v1/admin/clients/{client['id']}/disable", headers=admin_headers)
    assert (await gateway.get("/api/v1/auth/me", headers=headers)).status_code == 401


async def test_service_clients_are_registered_from_configuration(database_url):
    async with running_gateway(database_url("gateway"), registry_service_client_secret="svc-secret-registry") as gw:
        token = await gw.post(
            "/api/v1/auth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": "svc-registry",
                "client_secret": "svc-secret-registry",
            },
        )
        assert token.status_code == 200
        assert token.json()["scope"] == "registry:read"


async def test_the_auth_event_log_cannot_be_altered(database_url, gateway, admin_token):
    dsn, kwargs = asyncpg_dsn(database_url("gateway"))
    conn = await asyncpg.connect(dsn, **kwargs)
    try:
        with pytest.raises(asyncpg.RaiseError, match="append-only"):
            await conn.execute("UPDATE auth_event SET detail = 'edited'")
        with pytest.raises(asyncpg.RaiseError, match="append-only"):
            await conn.execute("DELETE FROM auth_event")
    finally:
        await conn.close()
