import base64
import json
import re
import typing
from pathlib import Path

from gateway.auth.schemas import AuthEventKind
from tests.gateway.conftest import ADMIN_PASSWORD, login, running_gateway


def claims_of(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


async def test_admin_logs_in_and_gets_a_short_lived_rs256_token_and_a_refresh_token(gateway):
    response = await login(gateway, "admin", ADMIN_PASSWORD)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert 0 < body["expires_in"] <= 3600
    assert body["refresh_token"].startswith("rt_")
    header = json.loads(base64.urlsafe_b64decode(body["access_token"].split(".")[0] + "=="))
    assert header["alg"] == "RS256" and header["kid"]
    claims = claims_of(body["access_token"])
    assert claims["iss"] == "qihang-gateway" and claims["aud"] == "qihang-api"
    assert claims["roles"] == ["admin"] and claims["dept"] == "nco" and claims["jur"] is None
    assert {"iat", "exp", "jti", "sub"} <= claims.keys()
    assert "admin" in claims["scope"].split()


async def test_jwks_publishes_the_key_that_signed_the_token(gateway, admin_token):
    jwks = (await gateway.get("/.well-known/jwks.json")).json()
    kid = json.loads(base64.urlsafe_b64decode(admin_token.split(".")[0] + "=="))["kid"]
    assert kid in {k["kid"] for k in jwks["keys"]}
    assert all("d" not in k and k["alg"] == "RS256" for k in jwks["keys"])


async def test_wrong_password_is_401_problem_and_logged(gateway, create_user, admin_headers):
    user, _ = await create_user()
    response = await login(gateway, user["username"], "not-the-password")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "invalid_grant"
    events = await gateway.get(
        "/api/v1/admin/auth-events", params={"subject": user["id"], "kind": "login_failed"}, headers=admin_headers
    )
    assert events.status_code == 200
    assert [e["detail"] for e in events.json()["items"]] == ["wrong password"]


async def test_an_unknown_auth_event_kind_is_422_not_an_empty_page(gateway, admin_headers):
    response = await gateway.get("/api/v1/admin/auth-events", params={"kind": "login_fialed"}, headers=admin_headers)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


def test_the_kind_filter_names_every_kind_the_gateway_records():
    source = Path(__file__).resolve().parents[2] / "services" / "gateway" / "gateway"
    recorded = set()
    for path in source.rglob("*.py"):
        text = path.read_text()
        recorded |= set(re.findall(r'\.record\(\s*"([a-z_]+)"', text))
        for pair in re.findall(r'record\(\s*"([a-z_]+)" if \w+ else "([a-z_]+)"', text):
            recorded |= set(pair)
    assert len(recorded) > 10
    assert recorded <= set(typing.get_args(AuthEventKind))


async def test_unknown_user_gets_the_same_answer_as_a_wrong_password(gateway):
    response = await login(gateway, "nobody-here", "whatever-password")
    assert response.status_code == 401
    assert response.json()["detail"] == "Wrong username or password, or the account is locked or disabled."


async def test_repeated_failures_lock_the_account_even_for_the_right_password(gateway, create_user):
    user, password = await create_user()
    for _ in range(5):
        assert (await login(gateway, user["username"], "wrong-password!")).status_code == 401
    locked = await login(gateway, user["username"], password)
    assert locked.status_code == 401


async def test_refresh_rotates_and_reuse_revokes_the_whole_family(gateway, create_user):
    user, password = await create_user()
    first = (await login(gateway, user["username"], password)).json()["refresh_token"]
    rotated = await gateway.post("/api/v1/auth/token", data={"grant_type": "refresh_token", "refresh_token": first})
    assert rotated.status_code == 200
    second = rotated.json()["refresh_token"]
    assert second != first
    reuse = await gateway.post("/api/v1/auth/token", data={"grant_type": "refresh_token", "refresh_token": first})
    assert reuse.status_code == 401
    # The thief's reuse also kills the legitimate holder's newer token.
    after = await gateway.post("/api/v1/auth/token", data={"grant_type": "refresh_token", "refresh_token": second})
    assert after.status_code == 401


async def test_disabled_user_cannot_log_in_and_their_live_token_is_refused(gateway, create_user, admin_headers):
    user, password = await create_user()
    token = (await login(gateway, user["username"], password)).json()["access_token"]
    me = await gateway.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["name"] == user["username"]
    disabled = await gateway.post(f"/api/v1/admin/users/{user['id']}/disable", headers=admin_headers)
    assert disabled.status_code == 200 and disabled.json()["disabled"] is True
    refused = await gateway.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 401
    assert refused.json()["code"] == "account_disabled"
    assert (await login(gateway, user["username"], password)).status_code == 401


async def test_client_credentials_for_another_departments_system(gateway, admin_headers):
    created = await gateway.post(
        "/api/v1/admin/clients",
        json={"name": "县民政局救助系统", "scopes": ["registry:read"], "department": "civil_affairs"},
        headers=admin_headers,
    )
    assert created.status_code == 201, created.text
    client = created.json()
    basic = base64.b64encode(f"{client['client_id']}:{client['client_secret']}".encode()).decode()
    token = await gateway.post(
        "/api/v1/auth/token", data={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {basic}"}
    )
    assert token.status_code == 200
    body = token.json()
    assert body.get("refresh_token") is None
    claims = claims_of(body["access_token"])
    assert claims["typ"] == "client" and claims["scope"] == "registry:read" and claims["dept"] == "civil_affairs"
    wrong = await gateway.post(
        "/api/v1/auth/token",
        data={"grant_type": "client_credentials", "client_id": client["client_id"], "client_secret": "nope"},
    )
    assert wrong.status_code == 401 and wrong.json()["code"] == "invalid_client"


async def test_unknown_grant_type_is_a_clear_400(gateway):
    response = await gateway.post("/api/v1/auth/token", data={"grant_type": "implicit"})
    assert response.status_code == 400
    assert response.json()["code"] == "unsupported_grant_type"


async def test_log_ins_from_one_address_are_limited_per_minute(database_url):
    # The other gateway tests (and the e2e system) raise the limit out of the way; here it is small enough to reach.
    async with running_gateway(database_url("gateway"), login_rate_limit_per_minute=3) as client:
        for _ in range(3):
            assert (await login(client, "nobody-here", "whatever-password")).status_code == 401
        limited = await login(client, "admin", ADMIN_PASSWORD)
    assert limited.status_code == 429
    assert limited.headers["content-type"] == "application/problem+json"
    assert limited.json()["code"] == "rate_limited" and int(limited.headers["retry-after"]) >= 1
