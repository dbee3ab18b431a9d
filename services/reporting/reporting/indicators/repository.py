import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.indicators.models import Indicator, Target
from shared.pagination import PageParams, keyset_page


class IndicatorRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def list(self) -> list[Indicator]:
        return list((await self.session.scalars(select(Indicator).order_by(Indicator.position))).all())

    async def get(self, code: str) -> Indicator | None:
        return await self.session.scalar(select(Indicator).where(Indicator.code == code))


class TargetRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def page(
        self, params: PageParams, *, indicator_code: str | None, year: int | None
    ) -> tuple[list[Target], str | None]:
        stmt = select(Target)
        if indicator_code is not None:
            stmt = stmt.where(Target.indicator_code == indicator_code)
        if year is not None:
            stmt = stmt.where(Target.period_end.between(date(year, 1, 1), date(year, 12, 31)))
        return await keyset_page(
            self.session,
            stmt,
            params,
            keys=[Target.indicator_code, Target.period_end, Target.id],
            convert=[None, date.fromisoformat, uuid.UUID],
        )
