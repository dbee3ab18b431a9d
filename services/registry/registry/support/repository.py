import uuid
from datetime import date

from sqlalchemy import or_, select

from registry.support.models import SupportMember, SupportVisit
from shared.pagination import PageParams, keyset_by, newest_first
from shared.query import Repository


class SupportRepository(Repository):
    refresh_added = True

    async def member(
        self, person_id: uuid.UUID, member_id: uuid.UUID, *, for_update: bool = False
    ) -> SupportMember | None:
        stmt = select(SupportMember).where(SupportMember.id == member_id, SupportMember.person_id == person_id)
        return await self.one(stmt, for_update=for_update)

    async def members(
        self, person_id: uuid.UUID, params: PageParams, *, current_on: date | None
    ) -> tuple[list[SupportMember], str | None]:
        stmt = select(SupportMember).where(SupportMember.person_id == person_id)
        if current_on is not None:
            stmt = stmt.where(
                SupportMember.from_on <= current_on,
                or_(SupportMember.to_on.is_(None), SupportMember.to_on >= current_on),
            )
        return await keyset_by(self.session, stmt, params, SupportMember.from_on, SupportMember.id)

    async def visits(self, person_id: uuid.UUID, params: PageParams) -> tuple[list[SupportVisit], str | None]:
        """Newest first."""
        stmt = select(SupportVisit).where(SupportVisit.person_id == person_id)
        return await newest_first(self.session, stmt, params, SupportVisit.visited_on, SupportVisit.id)
