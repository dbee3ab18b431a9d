"""Who is calling: the Principal built from a verified access token, and the dependencies that demand one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.errors import Forbidden, Unauthorized
from shared.jwt import TokenVerifier

MAX_AUTHORIZATION_HEADER = 8192
# Declared so OpenAPI documents the scheme; parsing is ours (length limit, exact errors).
bearer_scheme = HTTPBearer(
    auto_error=False, bearerFormat="JWT", description="Access token from POST /api/v1/auth/token."
)


@dataclass(frozen=True, slots=True)
class Principal:
    subject: str
    kind: Literal["user", "client"]
    name: str
    roles: frozenset[str]
    department: str | None
    jurisdiction: str | None
    """None means county-wide."""
    scopes: frozenset[str]
    token: str
    token_id: str | None
    employer_id: str | None = None
    """An employer's integration client (claim `emp`): it sees only that employer's posts and placements."""

    @property
    def county_wide(self) -> bool:
        return self.jurisdiction is None

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    @classmethod
    def from_claims(cls, claims: dict[str, Any], token: str) -> Principal:
        scope = claims.get("scope", "")
        return cls(
            subject=claims["sub"],
            kind="client" if claims.get("typ") == "client" else "user",
            name=str(claims.get("name") or claims["sub"]),
            roles=frozenset(claims.get("roles") or ()),
            department=claims.get("dept"),
            jurisdiction=claims.get("jur"),
            scopes=frozenset(scope.split() if isinstance(scope, str) else scope),
            token=token,
            token_id=claims.get("jti"),
            employer_id=str(claims["emp"]) if claims.get("emp") else None,
        )


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization")
    if not header:
        raise Unauthorized("Send an access token: `Authorization: Bearer <token>`.", code="missing_token")
    if len(header) > MAX_AUTHORIZATION_HEADER:
        raise Unauthorized("The Authorization header is too long.", code="invalid_token")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Only Bearer tokens are accepted.", code="invalid_token")
    return token.strip()


PASSWORD_CHANGE_CLAIM = "pwd_change"
"""Set on the tokens of a user who must change their password: such a token may do nothing else."""


class PasswordChangeRequired(Forbidden):
    code = "password_change_required"
    title = "Password change required"


async def verified_claims(request: Request) -> dict[str, Any]:
    """The verified claims of the request's bearer token, refused if the gateway has revoked it
    (app.state.revocations, see shared.revocation)."""
    token = bearer_token(request)
    verifier: TokenVerifier = request.app.state.verifier
    claims = await verifier.verify(token)
    revocations = getattr(request.app.state, "revocations", None)
    if revocations is not None:
        await revocations.check(claims)
    return claims


def refuse_password_change_tokens(claims: dict[str, Any]) -> None:
    if claims.get(PASSWORD_CHANGE_CLAIM):
        raise PasswordChangeRequired(
            "Change your password first (POST /api/v1/auth/password at the gateway), then log in again."
        )


async def get_principal(
    request: Request, _: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)] = None
) -> Principal:
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    claims = await verified_claims(request)
    refuse_password_change_tokens(claims)
    principal = Principal.from_claims(claims, bearer_token(request))
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def require_scopes(*scopes: str):
    """Dependency factory: the caller's token must carry every one of `scopes`."""

    async def _check(principal: CurrentPrincipal) -> Principal:
        missing = [s for s in scopes if s not in principal.scopes]
        if missing:
            raise Forbidden(f"This operation needs the scope(s): {', '.join(missing)}.", code="insufficient_scope")
        return principal

    return _check
