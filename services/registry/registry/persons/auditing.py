"""Every read and write of a person's record leaves an audit entry: who, when, what (operation, person ids, fields
changed with sensitive values redacted), outcome and request id. Refused attempts are recorded too: the work is
rolled back to a savepoint, the refusal recorded, and that record committed while the request still fails."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from registry.audit.models import audit
from shared.audit import outcome_for
from shared.auth import Principal
from shared.db import COMMIT_ON_ERROR
from shared.errors import AppError

RESOURCE_TYPE = "person"
# Named in the trail when they change, their values never written there.
SENSITIVE_FIELDS = frozenset(
    {"id_number", "phone", "guardian_phone", "household_address", "residence_address", "notes"}
)


@dataclass
class Trail:
    person_ids: list[uuid.UUID] = field(default_factory=list)
    changes: dict[str, Any] | None = None


@asynccontextmanager
async def audited(
    session: AsyncSession, principal: Principal, operation: str, *, person_ids: list[uuid.UUID] | None = None
) -> AsyncIterator[Trail]:
    trail = Trail(person_ids=list(person_ids or []))
    try:
        async with session.begin_nested():
            yield trail
    except AppError as exc:
        await audit.record(
            session,
            principal=principal,
            operation=operation,
            resource_type=RESOURCE_TYPE,
            resource_ids=trail.person_ids,
            outcome=outcome_for(exc),
        )
        session.info[COMMIT_ON_ERROR] = True
        raise
    await audit.record(
        session,
        principal=principal,
        operation=operation,
        resource_type=RESOURCE_TYPE,
        resource_ids=trail.person_ids,
        changes=trail.changes,
        sensitive=SENSITIVE_FIELDS,
    )
