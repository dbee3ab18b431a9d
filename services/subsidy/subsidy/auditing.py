"""Every read and write of the subsidy service leaves an audit entry (shared.audit, the registry's trail): who, when,
what (operation, the records concerned: decisions, applications, and the people or employers they are about),
fields changed, outcome and request id. A refusal or failure inside is recorded with its outcome and re-raised."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from contextlib import AbstractAsyncContextManager

from sqlalchemy.ext.asyncio import AsyncSession

from shared.audit import Trail
from shared.auth import Principal
from subsidy.audit.models import audit

# Named in the trail when they change, their values never written there.
SENSITIVE_FIELDS = frozenset({"notes", "reason"})


def audited(
    session: AsyncSession,
    principal: Principal | None,
    operation: str,
    *,
    resource_type: str,
    resource_ids: Iterable[uuid.UUID] = (),
) -> AbstractAsyncContextManager[Trail]:
    """`async with audited(session, principal, "subsidy_decision.read", resource_type="subsidy_decision") as trail:`;
    set `trail.resource_ids` / `trail.changes` inside when they are known only then."""
    return audit.audited(
        session,
        principal=principal,
        operation=operation,
        resource_type=resource_type,
        resource_ids=list(resource_ids),
        sensitive=SENSITIVE_FIELDS,
    )
