"""Every read and write of a person's placement data leaves an audit entry (shared.audit): who, when, what
(operation, the people concerned and their jurisdictions, the fields changed with values only where they are not
personal: placement.audit.models.RECORDED_VALUES), outcome and request id."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from contextlib import AbstractAsyncContextManager

from sqlalchemy.ext.asyncio import AsyncSession

from placement.audit.models import audit
from shared.audit import Trail
from shared.auth import Principal

# Never written in the trail even if listed as recordable: named when they change, nothing more.
SENSITIVE_FIELDS = frozenset({"phone", "contact_phone", "notes"})


def audited(
    session: AsyncSession,
    principal: Principal,
    operation: str,
    *,
    person_ids: Iterable[uuid.UUID] = (),
    resource_type: str = "person",
) -> AbstractAsyncContextManager[Trail]:
    """Wrap a read or write: `async with audited(session, principal, "placement.read", person_ids=[...]) as trail:`;
    set `trail.resource_ids` / `trail.changes` inside when they are known only then. A refusal or failure inside
    is recorded with its outcome and re-raised."""
    return audit.audited(
        session,
        principal=principal,
        operation=operation,
        resource_type=resource_type,
        resource_ids=list(person_ids),
        sensitive=SENSITIVE_FIELDS,
    )
