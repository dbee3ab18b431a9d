"""Transfers go into the audit trail like every part of a person's record: each request is one entry naming the
transfer and the person (so an auditor asking about the person finds it); the free texts are named, never copied."""

from __future__ import annotations

import uuid
from contextlib import AbstractAsyncContextManager

from sqlalchemy.ext.asyncio import AsyncSession

from registry.audit.models import audit
from shared.audit import Trail
from shared.auth import Principal

RESOURCE_TYPE = "person_transfer"
SENSITIVE_FIELDS = frozenset(
    {"reason", "resolution_reason", "new_residence_address", "notes", "person.residence_address"}
)


def audited(
    session: AsyncSession, principal: Principal, operation: str, *, resource_ids: list[uuid.UUID] | None = None
) -> AbstractAsyncContextManager[Trail]:
    return audit.audited(
        session,
        principal=principal,
        operation=operation,
        resource_type=RESOURCE_TYPE,
        resource_ids=resource_ids or (),
        sensitive=SENSITIVE_FIELDS,
    )
