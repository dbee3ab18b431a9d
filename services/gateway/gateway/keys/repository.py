from datetime import datetime

from sqlalchemy import or_, select

from gateway.keys.models import SigningKey
from shared.query import Repository


class SigningKeyRepository(Repository):
    async def published(self, not_retired_before: datetime) -> list[SigningKey]:
        """Keys that still verify: unretired, or retired within the overlap. Newest first."""
        stmt = (
            select(SigningKey)
            .where(or_(SigningKey.retired_at.is_(None), SigningKey.retired_at > not_retired_before))
            .order_by(SigningKey.created_at.desc())
        )
        return list((await self.session.scalars(stmt)).all())

    async def active_for_update(self) -> list[SigningKey]:
        stmt = select(SigningKey).where(SigningKey.retired_at.is_(None)).with_for_update()
        return list((await self.session.scalars(stmt)).all())

    async def all_for_update(self) -> list[SigningKey]:
        return list((await self.session.scalars(select(SigningKey).order_by(SigningKey.kid).with_for_update())).all())

    async def add(self, key: SigningKey) -> None:
        self.session.add(key)
        await self.session.flush()
