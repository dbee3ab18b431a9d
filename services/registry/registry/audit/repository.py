import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.audit.models import AuditEvent
from shared.pagination import PageParams, keyset_page


@dataclass(frozen=True, slots=True)
class AuditEventFilter:
    person_id: uuid.UUID | None = None
    actor: str | None = None
    operation: str | None = None
    since: datetime | None = None
    until: datetime | None = None


class AuditEventRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def page(self, filters: AuditEventFilter, params: PageParams) -> tuple[list[AuditEvent], str | None]:
        stmt = select(AuditEvent)
        if filters.person_id is not None:
            stmt = stmt.where(AuditEvent.resource_ids.contains([filters.person_id]))
        if filters.actor is not None:
            stmt = stmt.where(AuditEvent.actor_subject == filters.actor)
        if filters.operation is not None:
            stmt = stmt.where(AuditEvent.operation == filters.operation)
        if filters.since is not None:
            stmt = stmt.where(AuditEvent.at >= filters.since)
        if filters.until is not None:
            stmt = stmt.where(AuditEvent.at < filters.until)
        return await keyset_page(
            self.session,
            stmt,
            params,
            keys=[AuditEvent.at, AuditEvent.id],
            descending=True,
            convert=[datetime.fromisoformat, int],
        )
