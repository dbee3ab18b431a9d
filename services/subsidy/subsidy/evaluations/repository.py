import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.pagination import PageParams, newest_first
from shared.query import Repository, where_given
from subsidy.evaluations.models import SubsidyEvaluation

UNFINISHED = ("queued", "running")
UNFINISHED_INDEX = "uq_subsidy_evaluation_year_unfinished"
STALE_ERROR = (
    "The service stopped while this evaluation ran; no decision of it was written. Start the evaluation again."
)


class EvaluationRepository(Repository):
    def __init__(self, session: AsyncSession, *, stale_after: timedelta) -> None:
        super().__init__(session)
        self.stale_after = stale_after

    async def interrupt_stale(self, *, job_id: uuid.UUID | None = None, year: int | None = None) -> int:
        """Mark unfinished evaluations whose process stopped beating as interrupted; how many."""
        e = SubsidyEvaluation
        stmt = (
            update(e)
            .where(e.status.in_(UNFINISHED), e.heartbeat_at < func.now() - self.stale_after)
            .values(
                status="interrupted", phase="done", finished_at=func.now(), error_code="interrupted", error=STALE_ERROR
            )
            .execution_options(synchronize_session=False)
        )
        if job_id is not None:
            stmt = stmt.where(e.id == job_id)
        if year is not None:
            stmt = stmt.where(e.year == year)
        result = await self.session.execute(stmt)
        return result.rowcount or 0

    async def get(self, job_id: uuid.UUID) -> SubsidyEvaluation | None:
        await self.interrupt_stale(job_id=job_id)
        return await self.one(select(SubsidyEvaluation).where(SubsidyEvaluation.id == job_id), fresh=True)

    async def page(self, params: PageParams, *, year: int | None) -> tuple[list[SubsidyEvaluation], str | None]:
        await self.interrupt_stale()
        stmt = where_given(select(SubsidyEvaluation), (SubsidyEvaluation.year, year))
        return await newest_first(self.session, stmt, params, SubsidyEvaluation.created_at, SubsidyEvaluation.id)

    async def start(self, job_id: uuid.UUID) -> SubsidyEvaluation | None:
        """queued -> running; the job, or None when it is not queued (any more)."""
        e = SubsidyEvaluation
        row = await self.session.execute(
            update(e)
            .where(e.id == job_id, e.status == "queued")
            .values(status="running", phase="fetching", started_at=func.now(), heartbeat_at=func.now())
            .returning(e.id)
        )
        if row.first() is None:
            return None
        return await self.session.scalar(select(e).where(e.id == job_id).execution_options(populate_existing=True))

    async def progress(self, job_id: uuid.UUID, **values: Any) -> None:
        """Set progress fields and beat the heart."""
        await self.session.execute(
            update(SubsidyEvaluation)
            .where(SubsidyEvaluation.id == job_id)
            .values(**values, heartbeat_at=func.now())
            .execution_options(synchronize_session=False)
        )

    async def finish(self, job_id: uuid.UUID, status: str, **values: Any) -> None:
        e = SubsidyEvaluation
        await self.session.execute(
            update(e)
            .where(e.id == job_id, e.status.in_(UNFINISHED))
            .values(status=status, phase="done", finished_at=func.now(), heartbeat_at=func.now(), **values)
            .execution_options(synchronize_session=False)
        )
