"""Regression tests for every forgery CONVENTIONS.md lists against python-jose's unsafe defaults.
Forged tokens are built by hand (base64 + hmac) so python-jose stays inside shared/jwt.py."""

import asyncio
import base64
import hashlib
import hmac
import json
import time
import uuid

import pytest
from cryptography.hazmat.primitives import serialization

from shared import jwt as qjwt
from shared.errors import Unauthorized
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
