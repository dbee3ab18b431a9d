import uuid
from typing import Annotated

from fastapi import Depends, Request

from registry.audit.models import audit
from registry.audit.service import READ_OPERATION, RESOURCE_TYPE, VERIFY_OPERATION
from shared.auth import CurrentPrincipal, Principal
from shared.db import SessionDep
from shared.errors import Forbidden

AUDIT_SCOPE = "audit:read"


def _person_asked_about(request: Request) -> list[uuid.UUID]:
    try:
        return [uuid.UUID(request.query_params["person_id"])]
    except (KeyError, ValueError):
        return []


def auditor(operation: str):
    """Dependency factory: the caller needs the audit:read scope; a refusal is itself recorded as `denied`."""

    async def _check(request: Request, session: SessionDep, principal: CurrentPrincipal) -> Principal:
        if principal.has_scope(AUDIT_SCOPE):
            return principal
        await audit.refuse(
            session,
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
