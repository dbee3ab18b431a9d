import uuid
from datetime import date

from sqlalchemy import select

from reporting.indicators.models import Indicator, Target
from shared.pagination import PageParams, keyset_by
from shared.query import Repository, where_given


class IndicatorRepository(Repository):
    async def list(self) -> list[Indicator]:
        return list((await self.session.scalars(select(Indicator).order_by(Indicator.position))).all())

    async def get(self, code: str) -> Indicator | None:
        return await self.session.scalar(select(Indicator).where(Indicator.code == code))


class TargetRepository(Repository):
    async def page(
        self, params: PageParams, *, indicator_code: str | None, year: int | None
    ) -> tuple[list[Target], str | None]:
        stmt = where_given(select(Target), (Target.indicator_code, indicator_code))
        if year is not None:
            stmt = stmt.where(Target.period_end.between(date(year, 1, 1), date(year, 12, 31)))
        return await keyset_by(
            self.session, stmt, params, Target.indicator_code, Target.period_end, Target.scope, Target.id
        )

    async def get(self, target_id: uuid.UUID) -> Target | None:
        return await self.session.get(Target, target_id)

    async def override(self, code: str, scope: str, period_end: date) -> Target | None:
        return await self.session.scalar(
            select(Target).where(
                Target.indicator_code == code,
                Target.scope == scope,
                Target.period_end == period_end,
                Target.origin == "override",
            )
        )

    async def add(self, target: Target) -> None:
        self.session.add(target)
        await self.session.flush()
        await self.session.refresh(target, ["definition"])

    async def delete(self, target: Target) -> None:
        await self.session.delete(target)
        await self.session.flush()
