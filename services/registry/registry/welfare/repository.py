import uuid

from sqlalchemy import select

from registry.welfare.models import ReliefEvent, WelfareRecord
from shared.pagination import PageParams, newest_first
from shared.query import Repository


class WelfareRepository(Repository):
    refresh_added = True

    async def record(self, person_id: uuid.UUID, *, for_update: bool = False) -> WelfareRecord | None:
        return await self.one(select(WelfareRecord).where(WelfareRecord.person_id == person_id), for_update=for_update)

    async def reliefs(self, person_id: uuid.UUID, params: PageParams) -> tuple[list[ReliefEvent], str | None]:
        """Newest first."""
        stmt = select(ReliefEvent).where(ReliefEvent.person_id == person_id)
        return await newest_first(self.session, stmt, params, ReliefEvent.granted_on, ReliefEvent.id)
