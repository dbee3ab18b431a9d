import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.welfare.models import ReliefEvent, WelfareRecord
from shared.pagination import PageParams, keyset_page


class WelfareRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(self, person_id: uuid.UUID, *, for_update: bool = False) -> WelfareRecord | None:
        stmt = select(WelfareRecord).where(WelfareRecord.person_id == person_id)
        if for_update:
            stmt = stmt.with_for_update()
        return await self.session.scalar(stmt)

    async def add(self, row: WelfareRecord | ReliefEvent) -> None:
        self.session.add(row)
        await self.session.flush()
        await self.session.refresh(row)

    async def reliefs(self, person_id: uuid.UUID, params: PageParams) -> tuple[list[ReliefEvent], str | None]:
        """Newest first."""
        return await keyset_page(
            self.session,
            select(ReliefEvent).where(ReliefEvent.person_id == person_id),
            params,
            keys=[ReliefEvent.granted_on, ReliefEvent.id],
            descending=True,
            convert=[date.fromisoformat, uuid.UUID],
        )
