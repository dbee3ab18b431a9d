"""Every read and write of a person's record leaves an audit entry (shared.audit): who, when, what (operation,
person ids and their jurisdictions, the fields changed with values only where they are not personal:
registry.audit.models.RECORDED_VALUES), outcome and request id; refused attempts too."""

from __future__ import annotations

import uuid
from contextlib import AbstractAsyncContextManager

from sqlalchemy.ext.asyncio import AsyncSession

from registry.audit.models import audit
from shared.audit import Trail
from shared.auth import Principal

RESOURCE_TYPE = "person"
# Never written in the trail even if listed as recordable: named when they change, nothing more.
SENSITIVE_FIELDS = frozenset(
    {"id_number", "phone", "guardian_phone", "household_address", "residence_address", "notes"}
)


def audited(
    session: AsyncSession,
    principal: Principal,
    operation: str,
    *,
    person_ids: list[uuid.UUID] | None = None,
    reads_only: bool = False,
    sensitive: frozenset[str] = SENSITIVE_FIELDS,
) -> AbstractAsyncContextManager[Trail]:
    """`reads_only=True` where the work only reads: no savepoint around it (shared.audit.AuditLog.audited).
    `sensitive`: the fields named but never written, for a part of the record that keeps more (welfare)."""
    return audit.audited(
        session,
        principal=principal,
        operation=operation,
        resource_type=RESOURCE_TYPE,
        resource_ids=person_ids or (),
        sensitive=sensitive,
        reads_only=reads_only,
    )
