"""The gateway's own auth dependencies. shared.auth.get_principal already refuses a token whose subject is disabled
or whose token version is stale (app.state.revocations is the gateway's SubjectStatus, read from its database)
and a token that may only change its password."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials

from shared.auth import Principal, bearer_scheme, bearer_token, get_principal, verified_claims
from shared.errors import Forbidden

ActivePrincipal = Annotated[Principal, Depends(get_principal)]


async def get_password_changer(
    request: Request, _: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)] = None
) -> Principal:
    """A valid, unrevoked token, including one that may only change its password."""
    claims = await verified_claims(request)
    return Principal.from_claims(claims, bearer_token(request))


PasswordChanger = Annotated[Principal, Depends(get_password_changer)]


def require_scope(scope: str):
    async def check(principal: ActivePrincipal) -> Principal:
        if scope not in principal.scopes:
            raise Forbidden(f"This operation needs the scope {scope}.", code="insufficient_scope")
        return principal

    return check


async def require_service_client(principal: ActivePrincipal) -> Principal:
    if principal.kind != "client" or "service" not in principal.roles:
        raise Forbidden("Only the platform's own services read this.", code="service_clients_only")
    return principal


AdminPrincipal = Annotated[Principal, Depends(require_scope("admin"))]
AuditPrincipal = Annotated[Principal, Depends(require_scope("audit:read"))]
ServicePrincipal = Annotated[Principal, Depends(require_service_client)]


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None
