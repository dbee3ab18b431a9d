import uuid

from sqlalchemy import any_, literal, select

from gateway.users.models import User
from shared.pagination import PageParams, keyset_page
from shared.query import Repository, where_given


class UserRepository(Repository):
    async def get(self, user_id: uuid.UUID, *, for_update: bool = False) -> User | None:
        return await self.one(select(User).where(User.id == user_id), for_update=for_update)

    async def by_username(self, username: str, *, for_update: bool = False) -> User | None:
        return await self.one(select(User).where(User.username == username), for_update=for_update)

    async def active_admins_for_update(self) -> list[User]:
        """Every enabled administrator, locked in id order: whoever may take away an administrator takes these
        locks first, so two such changes run one after the other and the second sees the first's result."""
        stmt = (
            select(User)
            .where(literal("admin") == any_(User.roles), User.disabled_at.is_(None))
            .order_by(User.id)
            .with_for_update()
        )
        return list((await self.session.scalars(stmt)).all())

    async def page(
        self, params: PageParams, *, department: str | None, jurisdiction: str | None, q: str | None
    ) -> tuple[list[User], str | None]:
        stmt = where_given(select(User), (User.department, department), (User.jurisdiction, jurisdiction))
        if q:
            stmt = stmt.where(User.username.contains(q, autoescape=True))
        return await keyset_page(self.session, stmt, params, keys=[User.username])
