"""The gateway's own auth dependencies: a token is not enough here, its subject must still be active."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from shared.auth import Principal, get_principal
from shared.errors import Forbidden, Unauthorized


async def get_active_principal(request: Request, principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
    if not await request.app.state.subject_status.is_active(principal.subject):
        raise Unauthorized("This account or client is disabled.", code="account_disabled")
    return principal


ActivePrincipal = Annotated[Principal, Depends(get_active_principal)]


def require_scope(scope: str):
    async def check(principal: ActivePrincipal) -> Principal:
        if scope not in principal.scopes:
            raise Forbidden(f"This operation needs the scope {scope}.", code="insufficient_scope")
        return principal

    return check


AdminPrincipal = Annotated[Principal, Depends(require_scope("admin"))]
AuditPrincipal = Annotated[Principal, Depends(require_scope("audit:read"))]


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None
