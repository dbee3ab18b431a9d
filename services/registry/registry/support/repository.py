import uuid
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.support.models import SupportMember, SupportVisit
from shared.pagination import PageParams, keyset_page


class SupportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, row: SupportMember | SupportVisit) -> None:
        self.session.add(row)
        await self.session.flush()
        await self.session.refresh(row)

    async def member(
        self, person_id: uuid.UUID, member_id: uuid.UUID, *, for_update: bool = False
    ) -> SupportMember | None:
        stmt = select(SupportMember).where(SupportMember.id == member_id, SupportMember.person_id == person_id)
        if for_update:
            stmt = stmt.with_for_update()
        return await self.session.scalar(stmt)

    async def members(
        self, person_id: uuid.UUID, params: PageParams, *, current_on: date | None
    ) -> tuple[list[SupportMember], str | None]:
        stmt = select(SupportMember).where(SupportMember.person_id == person_id)
        if current_on is not None:
            stmt = stmt.where(
                SupportMember.from_on <= current_on,
                or_(SupportMember.to_on.is_(None), SupportMember.to_on >= current_on),
            )
        return await keyset_page(
            self.session,
            stmt,
            params,
            keys=[SupportMember.from_on, SupportMember.id],
            convert=[date.fromisoformat, uuid.UUID],
        )

    async def visits(self, person_id: uuid.UUID, params: PageParams) -> tuple[list[SupportVisit], str | None]:
        """Newest first."""
        return await keyset_page(
            self.session,
            select(SupportVisit).where(SupportVisit.person_id == person_id),
            params,
            keys=[SupportVisit.visited_on, SupportVisit.id],
            descending=True,
            convert=[date.fromisoformat, uuid.UUID],
        )
