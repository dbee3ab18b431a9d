import uuid
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from registry.audit.models import audit
from registry.audit.service import READ_OPERATION, RESOURCE_TYPE, VERIFY_OPERATION
from shared.auth import CurrentPrincipal, Principal
from shared.errors import Forbidden

AUDIT_SCOPE = "audit:read"


def own_transactions(request: Request) -> async_sessionmaker[AsyncSession]:
    """Sessions apart from the request's, for recording attempts whose request transaction rolls back."""
    return request.app.state.sessionmaker


OwnTransactions = Annotated[async_sessionmaker[AsyncSession], Depends(own_transactions)]


def _person_asked_about(request: Request) -> list[uuid.UUID]:
    try:
        return [uuid.UUID(request.query_params["person_id"])]
    except (KeyError, ValueError):
        return []


def auditor(operation: str):
    """Dependency factory: the caller needs the audit:read scope; a refusal is itself recorded as `denied`."""

    async def _check(request: Request, principal: CurrentPrincipal) -> Principal:
        if principal.has_scope(AUDIT_SCOPE):
            return principal
        await audit.record_outcome(
            own_transactions(request),
            principal=principal,
            operation=operation,
            resource_type=RESOURCE_TYPE,
            resource_ids=_person_asked_about(request),
            outcome="denied",
        )
        raise Forbidden(f"This operation needs the scope(s): {AUDIT_SCOPE}.", code="insufficient_scope")

    return _check


AuditReader = Annotated[Principal, Depends(auditor(READ_OPERATION))]
AuditVerifier = Annotated[Principal, Depends(auditor(VERIFY_OPERATION))]
