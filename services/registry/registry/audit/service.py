import logging
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from registry.audit.models import AuditEvent, audit
from registry.audit.repository import AuditEventFilter, AuditEventRepository
from registry.audit.schemas import OUTCOME_LABELS_ZH, AuditEventRead, ChainVerification
from shared.auth import Principal
from shared.pagination import PageParams

READ_OPERATION = "audit.read"
VERIFY_OPERATION = "audit.verify"
RESOURCE_TYPE = "audit_event"
logger = logging.getLogger("qihang.audit")


def _to_read(event: AuditEvent) -> AuditEventRead:
    return AuditEventRead(
        id=event.id,
        at=event.at,
        actor_subject=event.actor_subject,
        actor_kind=event.actor_kind,
        actor_name=event.actor_name,
        actor_roles=event.actor_roles,
        actor_department=event.actor_department,
        actor_jurisdiction=event.actor_jurisdiction,
        operation=event.operation,
        resource_type=event.resource_type,
        resource_ids=event.resource_ids,
        changes=event.changes,
        outcome=event.outcome,
        outcome_label_zh=OUTCOME_LABELS_ZH[event.outcome],
        request_id=event.request_id,
        prev_hash=event.prev_hash,
        hash=event.hash,
    )


def people_concerned(events: list[AuditEventRead], filters: AuditEventFilter) -> set[uuid.UUID]:
    """Whose trail was read: the person asked about, and everyone the returned events name (their `changes` can
    hold a person's values), so "who viewed person X" also finds the auditors who looked at X's trail."""
    ids = {person_id for event in events for person_id in event.resource_ids}
    if filters.person_id is not None:
        ids.add(filters.person_id)
    return ids


async def list_events(
    session: AsyncSession, *, principal: Principal, filters: AuditEventFilter, params: PageParams
) -> tuple[list[AuditEventRead], str | None]:
    async with audit.audited(
        session,
        principal=principal,
        operation=READ_OPERATION,
        resource_type=RESOURCE_TYPE,
        resource_ids=people_concerned([], filters),
    ) as trail:
        rows, next_cursor = await AuditEventRepository(session).page(filters, params)
        items = [_to_read(row) for row in rows]
        trail.resource_ids = list(people_concerned(items, filters))
    return items, next_cursor


async def verify_chain(
    session: AsyncSession, *, principal: Principal, since_id: int | None, limit: int | None
) -> ChainVerification:
    result = await audit.verify(session, since_id=since_id, limit=limit)
    if not result.ok:
        logger.error("audit chain broken", extra={"first_bad_id": result.first_bad_id})
    await audit.record(session, principal=principal, operation=VERIFY_OPERATION, resource_type=RESOURCE_TYPE)
    return ChainVerification(ok=result.ok, checked=result.checked, first_bad_id=result.first_bad_id)
