import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Boolean, String, case, cast, or_, select, update
from sqlalchemy.dialects.postgresql import ARRAY

from placement.placements.policy import Visibility
from placement.posts.models import JobPost
from shared.pagination import PageParams, newest_first
from shared.query import Repository, seen_limits, where_fields, where_seen


@dataclass(frozen=True, slots=True)
class PostFilter:
    employer_id: uuid.UUID | None = None
    jurisdiction_code: str | None = None
    status: str | None = None
    working_pattern: str | None = None
    is_public_welfare: bool | None = None


class PostRepository(Repository):
    async def get(self, post_id: uuid.UUID, seen: Visibility, *, for_update: bool = False) -> JobPost | None:
        limits = seen_limits(seen, JobPost)
        return await self.by_id(JobPost, post_id, *limits, for_update=for_update, fresh=True)

    async def take_place(self, post_id: uuid.UUID) -> bool:
        """Fill one place of an open post, atomically: the row lock makes concurrent takers queue, and each
        re-checks `filled < headcount` once it gets the row (READ COMMITTED re-evaluates the WHERE)."""
        filled = JobPost.filled + 1
        taken = await self.session.scalar(
            update(JobPost)
            .where(JobPost.id == post_id, JobPost.status == "open", JobPost.filled < JobPost.headcount)
            .values(
                filled=filled,
                status=case((filled >= JobPost.headcount, "filled"), else_=JobPost.status),
                version=JobPost.version + 1,
            )
            .returning(JobPost.id)
            .execution_options(synchronize_session=False)
        )
        return taken is not None

    async def free_place(self, post_id: uuid.UUID) -> str | None:
        """Give back one place (a placement on the post ended); a filled post opens again. The new status."""
        return await self.session.scalar(
            update(JobPost)
            .where(JobPost.id == post_id, JobPost.filled > 0)
            .values(
                filled=JobPost.filled - 1,
                status=case((JobPost.status == "filled", "open"), else_=JobPost.status),
                version=JobPost.version + 1,
            )
            .returning(JobPost.status)
            .execution_options(synchronize_session=False)
        )

    async def page(self, filters: PostFilter, params: PageParams, seen: Visibility) -> tuple[list[JobPost], str | None]:
        equal = ("employer_id", "jurisdiction_code", "status", "working_pattern")
        stmt = where_fields(where_seen(select(JobPost), JobPost, seen), JobPost, filters, *equal)
        if filters.is_public_welfare is not None:
            stmt = stmt.where(JobPost.is_public_welfare.is_(filters.is_public_welfare))
        return await newest_first(self.session, stmt, params, JobPost.created_at, JobPost.id)

    async def recruiting_in(
        self,
        jurisdiction_code: str,
        seen: Visibility,
        *,
        today: date,
        light_or_part_time_only: bool,
        skills: list[str],
        limit: int,
    ) -> list[JobPost]:
        """The township's posts taking people on today (open, a place free, between their open and close dates),
        only part-time, seasonal or light ones when asked; those wanting one of `skills` first, then the newest.
        Filtering before the limit means no recruiting post is left out merely for being older."""
        stmt = where_seen(
            select(JobPost).where(
                JobPost.jurisdiction_code == jurisdiction_code,
                JobPost.status == "open",
                JobPost.filled < JobPost.headcount,
                JobPost.opens_on <= today,
                or_(JobPost.closes_on.is_(None), JobPost.closes_on >= today),
            ),
            JobPost,
            seen,
        )
        if light_or_part_time_only:
            stmt = stmt.where(or_(JobPost.working_pattern != "full_time", JobPost.light_work.is_(True)))
        wants_a_skill = JobPost.required_skills.op("&&", return_type=Boolean)(cast(skills, ARRAY(String(50))))
        order = [wants_a_skill.desc(), JobPost.created_at.desc()] if skills else [JobPost.created_at.desc()]
        return list((await self.session.scalars(stmt.order_by(*order).limit(limit))).all())
