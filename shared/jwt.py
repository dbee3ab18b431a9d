"""Every use of python-jose in the project lives here, wrapped so it cannot be used unsafely.

python-jose 3.5 accepts forged or incomplete tokens with its defaults (HS256 signed with a public key when
`algorithms` is omitted, missing aud/exp/iss). So: RS256 only, the algorithm is checked before any key is
chosen, the key is picked by `kid` from our own JWKS (never from `jku`/`x5u`), aud/iss/exp/iat/sub are
required, leeway is at most 30 s, and JWE or over-long tokens are refused before parsing.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwk, jwt
from jose.exceptions import JOSEError

from shared.errors import Unauthorized

ALGORITHM = "RS256"
MAX_TOKEN_LENGTH = 4096
MAX_LEEWAY_SECONDS = 30
REQUIRED_CLAIMS = ("exp", "iat", "aud", "iss", "sub")
logger = logging.getLogger("qihang.auth")


class InvalidToken(Unauthorized):
    code = "invalid_token"
    title = "Invalid token"


def generate_private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def public_jwk(private_key_pem: str, kid: str) -> dict[str, str]:
    """The public half of a signing key as a JWK for /.well-known/jwks.json."""
    public = jwk.construct(private_key_pem, ALGORITHM).public_key().to_dict()
    return {"kty": public["kty"], "n": public["n"], "e": public["e"], "alg": ALGORITHM, "use": "sig", "kid": kid}


def sign(claims: dict[str, Any], private_key_pem: str, kid: str) -> str:
    return jwt.encode(claims, private_key_pem, algorithm=ALGORITHM, headers={"kid": kid, "typ": "JWT"})


JWKSFetcher = Callable[[], Awaitable[dict[str, Any]]]


class KeySet:
    """Public keys by kid, filled from a JWKS source; refreshed at most once per `min_refresh_seconds`
    when an unknown kid arrives, so a flood of forged kids cannot hammer the issuer."""

    def __init__(self, fetch: JWKSFetcher, *, min_refresh_seconds: float = 5.0) -> None:
        self._fetch = fetch
        self._keys: dict[str, Any] = {}
        self._last_refresh = float("-inf")
        self._min_refresh = min_refresh_seconds
        self._lock = asyncio.Lock()

    def load(self, jwks: dict[str, Any]) -> None:
        keys: dict[str, Any] = {}
        for entry in jwks.get("keys", []):
            if entry.get("kty") != "RSA" or entry.get("alg", ALGORITHM) != ALGORITHM or "kid" not in entry:
                continue
            if entry.get("use", "sig") != "sig":
                continue
            keys[entry["kid"]] = jwk.construct({k: entry[k] for k in ("kty", "n", "e")}, ALGORITHM)
        self._keys = keys

    async def refresh(self) -> None:
        async with self._lock:
            if time.monotonic() - self._last_refresh < self._min_refresh:
                return
            self._last_refresh = time.monotonic()
            try:
                self.load(await self._fetch())
            except Exception as exc:  # the issuer being down must not turn into a 500
                logger.warning("jwks refresh failed", extra={"error": type(exc).__name__})

    async def get(self, kid: str) -> Any | None:
        key = self._keys.get(kid)
        if key is None:
            await self.refresh()
            key = self._keys.get(kid)
        return key


class TokenVerifier:
    """Verifies access tokens. Verified tokens are remembered (keyed by the whole token string, until their
    `exp`) so a client's repeated calls do not pay for RSA each time."""

    def __init__(
        self,
        keys: KeySet,
        *,
        issuer: str,
        audience: str,
        leeway_seconds: int = 10,
        cache_size: int = 10_000,
    ) -> None:
        if leeway_seconds > MAX_LEEWAY_SECONDS:
            raise ValueError("leeway must be at most 30 seconds")
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway_seconds
        self._cache: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._cache_size = cache_size

    async def verify(self, token: str) -> dict[str, Any]:
        cached = self._cache.get(token)
        now = time.time()
        if cached is not None:
            if cached["exp"] + self.leeway > now:
                self._cache.move_to_end(token)
                return cached
            del self._cache[token]
        try:
            claims = await self._verify_uncached(token)
        except InvalidToken as exc:
            # The attempt is logged with its reason; never the token, which may be a live credential.
            logger.warning("token rejected", extra={"reason": exc.detail})
            raise
        self._cache[token] = claims
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return claims

    async def _verify_uncached(self, token: str) -> dict[str, Any]:
        if len(token) > MAX_TOKEN_LENGTH:
            raise InvalidToken("The token is too long.")
        if token.count(".") != 2:
            raise InvalidToken("The token is not a signed JWT (encrypted or malformed tokens are refused).")
        try:
            header = jwt.get_unverified_header(token)
        except JOSEError as exc:
            raise InvalidToken("The token header cannot be read.") from exc
        if header.get("alg") != ALGORITHM:
            raise InvalidToken("The token's algorithm is not accepted.")
        if "crit" in header or "enc" in header:
            raise InvalidToken("The token uses header parameters that are not accepted.")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("The token names no signing key.")
        key = await self.keys.get(kid)
        if key is None:
            raise InvalidToken("The token's signing key is unknown.")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                options={
                    "verify_signature": True,
                    "verify_aud": True,
                    "verify_iss": True,
                    "verify_exp": True,
                    "verify_iat": True,
                    "verify_nbf": True,
                    "verify_sub": True,
                    **{f"require_{claim}": True for claim in REQUIRED_CLAIMS},
                    "leeway": self.leeway,
                },
            )
        except JOSEError as exc:
            raise InvalidToken(_reason(exc)) from exc
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            raise InvalidToken("The token has no subject.")
        if not isinstance(claims.get("exp"), int | float):
            raise InvalidToken("The token has no valid expiry.")
        return claims


def _reason(exc: JOSEError) -> str:
    name = type(exc).__name__
    if name == "ExpiredSignatureError":
        return "The token has expired."
    if name == "JWTClaimsError":
        return "The token's claims are not valid here (audience, issuer or time)."
    return "The token signature or format is invalid."
