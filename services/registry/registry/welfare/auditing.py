"""Welfare reads and writes go into the person's audit trail like every other part of the record. The certificate
numbers join the persons' sensitive fields (a disability certificate number embeds the national ID number)."""

from __future__ import annotations

import uuid
from contextlib import AbstractAsyncContextManager

from sqlalchemy.ext.asyncio import AsyncSession

from registry.audit.models import audit
from registry.persons.auditing import RESOURCE_TYPE
from registry.persons.auditing import SENSITIVE_FIELDS as PERSON_SENSITIVE_FIELDS
from shared.audit import Trail
from shared.auth import Principal

SENSITIVE_FIELDS = PERSON_SENSITIVE_FIELDS | {"disability.certificate_number", "employment_certificate.number"}


def audited(
    session: AsyncSession, principal: Principal, operation: str, *, person_ids: list[uuid.UUID]
) -> AbstractAsyncContextManager[Trail]:
    return audit.audited(
        session,
        principal=principal,
        operation=operation,
        resource_type=RESOURCE_TYPE,
        resource_ids=person_ids,
        sensitive=SENSITIVE_FIELDS,
    )
