"""Regression tests for every forgery CONVENTIONS.md lists against python-jose's unsafe defaults.
Forged tokens are built by hand (base64 + hmac) so python-jose stays inside shared/jwt.py."""

import asyncio
import base64
import hashlib
import hmac
import json
import time
import uuid

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from fastapi import APIRouter

from shared import jwt as qjwt
from shared.app import create_service_app
from shared.auth import CurrentPrincipal
from shared.errors import Unauthorized, problem_responses
from shared.http import ServiceClient, ServiceTokenProvider
from shared.revocation import RevocationList, gateway_fetcher
from subsidy.config import Settings as SubsidySettings
from tests.conftest import AUDIENCE, ISSUER, TEST_KID


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def segment(obj: dict) -> str:
    return b64(json.dumps(obj, separators=(",", ":")).encode())


def good_claims(**overrides) -> dict:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": str(uuid.uuid4()), "iat": now, "nbf": now, "exp": now + 300}
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def hs256(claims: dict, secret: bytes, kid: str = TEST_KID) -> str:
    signing_input = f"{segment({'alg': 'HS256', 'typ': 'JWT', 'kid': kid})}.{segment(claims)}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


@pytest.fixture
def fetches():
    return []


@pytest.fixture
def verifier(jwks, fetches):
    async def fetch():
        fetches.append(1)
        return jwks

    return qjwt.TokenVerifier(qjwt.KeySet(fetch, min_refresh_seconds=0), issuer=ISSUER, audience=AUDIENCE)


@pytest.fixture
def public_pem(signing_key) -> bytes:
    key = serialization.load_pem_private_key(signing_key.encode(), password=None)
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


@pytest.fixture
def public_der(signing_key) -> bytes:
    key = serialization.load_pem_private_key(signing_key.encode(), password=None)
    return key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


async def refused(verifier, token: str) -> str:
    with pytest.raises(Unauthorized) as info:
        await verifier.verify(token)
    assert info.value.status == 401
    return info.value.detail or ""


async def test_a_good_token_verifies(verifier, signing_key):
    claims = good_claims()
    assert (await verifier.verify(qjwt.sign(claims, signing_key, TEST_KID)))["sub"] == claims["sub"]


async def test_alg_none_is_refused(verifier):
    token = f"{segment({'alg': 'none', 'typ': 'JWT', 'kid': TEST_KID})}.{segment(good_claims())}."
    assert "algorithm" in await refused(verifier, token)


async def test_hs256_signed_with_the_public_key_pem_is_refused(verifier, public_pem):
    assert "algorithm" in await refused(verifier, hs256(good_claims(), public_pem))


async def test_hs256_signed_with_the_public_key_der_is_refused(verifier, public_der):
    assert "algorithm" in await refused(verifier, hs256(good_claims(), public_der))


@pytest.mark.parametrize(
    "overrides",
    [
        {"aud": None},
        {"aud": "another-system"},
        {"iss": None},
        {"iss": "https://evil.example"},
        {"exp": None},
        {"iat": None},
        {"sub": None},
        {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 4000},
        {"nbf": int(time.time()) + 3600},
    ],
    ids=["no-aud", "wrong-aud", "no-iss", "wrong-iss", "no-exp", "no-iat", "no-sub", "expired", "nbf-future"],
)
async def test_missing_or_wrong_claims_are_refused(verifier, signing_key, overrides):
    await refused(verifier, qjwt.sign(good_claims(**overrides), signing_key, TEST_KID))


async def test_expiry_within_the_leeway_still_verifies_but_not_beyond(verifier, signing_key):
    now = int(time.time())
    ok = qjwt.sign(good_claims(exp=now - 5, iat=now - 100), signing_key, TEST_KID)
    assert await verifier.verify(ok)
    late = qjwt.sign(good_claims(exp=now - 31, iat=now - 100), signing_key, TEST_KID)
    await refused(verifier, late)


async def test_unknown_kid_refreshes_the_jwks_once_then_refuses(verifier, fetches, signing_key):
    await refused(verifier, qjwt.sign(good_claims(), signing_key, "someone-elses-kid"))
    assert len(fetches) == 1


async def test_a_key_the_issuer_does_not_publish_is_refused_even_with_our_kid_and_a_jku(verifier):
    attacker = qjwt.generate_private_key_pem()
    token = qjwt.sign(good_claims(), attacker, TEST_KID)
    header, payload, signature = token.split(".")
    header = segment({"alg": "RS256", "typ": "JWT", "kid": TEST_KID, "jku": "https://evil.example/jwks.json"})
    assert "signature" in await refused(verifier, f"{header}.{payload}.{signature}")


async def test_tampered_payload_is_refused(verifier, signing_key):
    header, _, signature = qjwt.sign(good_claims(roles=["viewer"]), signing_key, TEST_KID).split(".")
    forged = segment(good_claims(roles=["admin"]))
    assert "signature" in await refused(verifier, f"{header}.{forged}.{signature}")


async def test_jwe_and_over_long_tokens_are_refused_before_parsing(verifier, signing_key):
    assert "encrypted" in await refused(verifier, "a.b.c.d.e")
    long_token = qjwt.sign(good_claims(pad="x" * 5000), signing_key, TEST_KID)
    assert "too long" in await refused(verifier, long_token)


async def test_garbage_is_refused_cleanly(verifier):
    await refused(verifier, "not.a.jwt")


def test_leeway_over_thirty_seconds_is_not_allowed():
    with pytest.raises(ValueError):
        qjwt.TokenVerifier(qjwt.KeySet(lambda: None), issuer=ISSUER, audience=AUDIENCE, leeway_seconds=31)


async def test_a_cached_token_is_still_refused_once_expired(verifier, signing_key):
    now = int(time.time())
    token = qjwt.sign(good_claims(exp=now + 1, iat=now), signing_key, TEST_KID)
    verifier.leeway = 0
    assert await verifier.verify(token)
    await asyncio.sleep(2.1)
    assert "expired" in await refused(verifier, token)


async def test_a_rejected_token_is_logged_with_its_reason_but_not_the_token(verifier, signing_key, caplog):
    token = qjwt.sign(good_claims(aud="another-system"), signing_key, TEST_KID)
    with caplog.at_level("WARNING", logger="qihang.auth"):
        await refused(verifier, token)
    records = [r for r in caplog.records if r.getMessage() == "token rejected"]
    assert len(records) == 1
    assert "audience" in records[0].reason
    assert token not in caplog.text


# --- a live token revoked at the gateway: refused by the service itself ------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def revocation_document(*subjects: tuple[str, int, bool]) -> dict:
    return {
        "as_of": "2026-12-06T08:00:00Z",
        "window_seconds": 3660,
        "subjects": [
            {"subject": s, "token_version": v, "disabled": d, "revoked_at": "2026-12-06T08:00:00Z"}
            for s, v, d in subjects
        ],
    }


@pytest.fixture
def gateway_list():
    """What the fake gateway answers (a document, or an exception to raise), and how often it was asked."""
    return {"answer": revocation_document(), "fetches": 0}


@pytest.fixture
def revocation_list(gateway_list):
    async def fetch() -> dict:
        gateway_list["fetches"] += 1
        if isinstance(gateway_list["answer"], Exception):
            raise gateway_list["answer"]
        return gateway_list["answer"]

    return RevocationList(fetch, poll_seconds=2, max_age_seconds=10, clock=FakeClock())


@pytest.fixture
async def service(jwks_fetcher, revocation_list):
    """A service app with one authenticated route, its revocation list played by `revocation_list`."""
    router = APIRouter(prefix="/api/v1/things")

    @router.get("", responses=problem_responses(401, 403, 503))
    async def list_things(principal: CurrentPrincipal) -> dict[str, str]:
        """List things."""
        return {"subject": principal.subject}

    settings = SubsidySettings(database_url="postgresql+asyncpg://nobody@127.0.0.1:1/none", environment="test")
    app = create_service_app(settings, title="t", description="t", routers=[router], jwks_fetcher=jwks_fetcher)
    async with app.router.lifespan_context(app):
        app.state.revocations = revocation_list
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            yield client


async def call(service, token: str) -> httpx.Response:
    return await service.get("/api/v1/things", headers={"Authorization": f"Bearer {token}"})


async def test_a_disabled_users_live_token_is_refused_by_the_service_after_its_next_fetch(
    service, revocation_list, gateway_list, make_token
):
    subject = str(uuid.uuid4())
    token = make_token(sub=subject, tv=1)
    await revocation_list.refresh()
    assert (await call(service, token)).status_code == 200
    gateway_list["answer"] = revocation_document((subject, 2, True))
    await revocation_list.refresh()
    refused_response = await call(service, token)
    assert refused_response.status_code == 401 and refused_response.json()["code"] == "account_disabled"
    # Others are untouched.
    assert (await call(service, make_token(tv=0))).status_code == 200


async def test_a_token_older_than_its_subjects_token_version_is_revoked(
    service, revocation_list, gateway_list, make_token
):
    subject = str(uuid.uuid4())
    gateway_list["answer"] = revocation_document((subject, 3, False))
    await revocation_list.refresh()
    for tv, status in ((2, 401), (3, 200), (4, 200), (..., 401), ("3", 401)):
        response = await call(service, make_token(sub=subject, tv=tv))
        assert response.status_code == status, (tv, response.text)
        if status == 401:
            assert response.json()["code"] == "token_revoked"


async def test_without_a_recent_list_the_service_fails_closed_and_recovers(
    service, revocation_list, gateway_list, make_token
):
    token = make_token()
    # Never fetched (the gateway was down when the service started): one fetch on demand, which fails.
    gateway_list["answer"] = httpx.ConnectError("gateway down")
    unknown = await call(service, token)
    assert unknown.status_code == 503 and unknown.json()["code"] == "revocation_status_unknown"
    assert int(unknown.headers["retry-after"]) >= 1
    assert gateway_list["fetches"] == 1
    # Within the second, no new attempt for every request.
    assert (await call(service, token)).status_code == 503 and gateway_list["fetches"] == 1
    # The gateway is back: the next request fetches on demand and goes through.
    gateway_list["answer"] = revocation_document()
    revocation_list.clock.now += 1.5
    assert (await call(service, token)).status_code == 200
    # A list older than the maximum age no longer counts.
    gateway_list["answer"] = httpx.ReadTimeout("gateway stuck")
    revocation_list.clock.now += 10.5
    assert (await call(service, token)).status_code == 503


async def test_the_list_is_polled_in_the_background(gateway_list):
    async def fetch() -> dict:
        gateway_list["fetches"] += 1
        return revocation_document()

    polled = RevocationList(fetch, poll_seconds=0.01, max_age_seconds=10)
    polled.start()
    try:
        for _ in range(200):
            if gateway_list["fetches"] >= 3:
                break
            await asyncio.sleep(0.01)
    finally:
        await polled.stop()
    assert gateway_list["fetches"] >= 3 and polled.fresh


async def test_a_token_that_may_only_change_its_password_is_refused_by_every_service(
    service, revocation_list, make_token
):
    await revocation_list.refresh()
    response = await call(service, make_token(roles=[], scopes=[], pwd_change=True))
    assert response.status_code == 403 and response.json()["code"] == "password_change_required"


async def test_the_fetcher_uses_the_services_own_client_and_drops_a_refused_token():
    seen: list[str] = []
    refuse = {"next": True}

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        if request.url.path == "/api/v1/auth/token":
            assert request.headers["authorization"].startswith("Basic ")
            return httpx.Response(200, json={"access_token": f"svc-token-{len(seen)}", "expires_in": 300})
        if refuse["next"]:
            refuse["next"] = False
            return httpx.Response(401, json={"code": "token_revoked"})
        return httpx.Response(200, json=revocation_document(("client:x", 1, True)))

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        gateway = ServiceClient(http, name="gateway", base_url="http://gateway.test")
        fetch = gateway_fetcher(gateway, ServiceTokenProvider(gateway, client_id="svc-x", client_secret="s"))
        with pytest.raises(httpx.HTTPStatusError):
            await fetch()
        document = await fetch()
    assert document["subjects"][0]["subject"] == "client:x"
    # A new token was got after the refusal.
    assert seen == ["/api/v1/auth/token", "/api/v1/auth/revocations", "/api/v1/auth/token", "/api/v1/auth/revocations"]


# --- the check's settings --------------------------------------------------------------------------------------

PRODUCTION = {
    "environment": "production",
    "database_url": "postgresql+asyncpg://svc:pw@db/qihang_subsidy",
    "cursor_key": "c" * 43,
    # production also refuses the development webhook key
    "webhook_secret_key": "d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3c=",
}


def test_production_requires_the_revocation_check_and_a_client_to_run_it():
    with pytest.raises(ValueError, match="service client"):
        SubsidySettings(**PRODUCTION)
    with pytest.raises(ValueError, match="service client"):
        SubsidySettings(
            **PRODUCTION,
            service_client_id="svc-subsidy",
            service_client_secret="a-real-secret-1",
            revocation_check_enabled=False,
        )
    on = SubsidySettings(**PRODUCTION, service_client_id="svc-subsidy", service_client_secret="a-real-secret-1")
    assert on.revocation_check_active
    with pytest.raises(ValueError, match="longer"):
        SubsidySettings(revocation_poll_seconds=5, revocation_max_age_seconds=5)


def test_the_check_is_on_by_default_where_the_service_has_a_client_except_in_tests():
    client = {"service_client_id": "svc-subsidy", "service_client_secret": "s3cret-value"}
    assert SubsidySettings(**client).revocation_check_active
    assert not SubsidySettings().revocation_check_active
    assert not SubsidySettings(environment="test", **client).revocation_check_active
    assert SubsidySettings(environment="test", revocation_check_enabled=True, **client).revocation_check_active
