import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import aliased

from placement.registry_feed import rules
from placement.registry_feed.models import ProjectedMeasure, ProjectedPerson
from placement.training.models import TrainingCourse, TrainingEnrolment, TrainingSession
from shared.pagination import PageParams, keyset_by, keyset_rows
from shared.query import Repository, where_fields, where_given


@dataclass(frozen=True, slots=True)
class EnrolmentFilter:
    session_id: uuid.UUID | None = None
    person_id: uuid.UUID | None = None
    status: str | None = None


@dataclass(frozen=True, slots=True)
class Shortfall:
    eligible_count: int
    shortfall_count: int
    rows: list[tuple[uuid.UUID, str, int]]
    next_cursor: str | None


class TrainingRepository(Repository):
    async def course(self, course_id: uuid.UUID) -> TrainingCourse | None:
        return await self.session.get(TrainingCourse, course_id)

    async def courses(self, params: PageParams) -> tuple[list[TrainingCourse], str | None]:
        return await keyset_by(self.session, select(TrainingCourse), params, TrainingCourse.title, TrainingCourse.id)

    async def training_session(self, session_id: uuid.UUID) -> TrainingSession | None:
        return await self.session.get(TrainingSession, session_id)

    async def sessions(
        self, params: PageParams, *, course_id: uuid.UUID | None
    ) -> tuple[list[TrainingSession], str | None]:
        stmt = where_given(select(TrainingSession), (TrainingSession.course_id, course_id))
        return await keyset_by(self.session, stmt, params, TrainingSession.start_on, TrainingSession.id)

    async def enrolment(
        self, enrolment_id: uuid.UUID, *, visible_in: str | None, for_update: bool = False
    ) -> TrainingEnrolment | None:
        limit = (TrainingEnrolment.jurisdiction_code, visible_in)
        return await self.by_id(TrainingEnrolment, enrolment_id, limit, for_update=for_update)

    async def enrolled(self, session_id: uuid.UUID, person_id: uuid.UUID) -> bool:
        stmt = select(TrainingEnrolment.id).where(
            TrainingEnrolment.session_id == session_id, TrainingEnrolment.person_id == person_id
        )
        return await self.session.scalar(stmt) is not None

    async def enrolments(
        self, filters: EnrolmentFilter, params: PageParams, *, visible_in: str | None
    ) -> tuple[list[TrainingEnrolment], str | None]:
        stmt = where_given(select(TrainingEnrolment), (TrainingEnrolment.jurisdiction_code, visible_in))
        stmt = where_fields(stmt, TrainingEnrolment, filters)
        return await keyset_by(self.session, stmt, params, TrainingEnrolment.created_at, TrainingEnrolment.id)

    async def shortfall(
        self, year: int, params: PageParams, *, jurisdiction_code: str | None, required: int
    ) -> Shortfall:
        """Eligible people in `year` (rules.YEAR_DEFINITION) and their completed trainings that year; those short."""
        first, last = date(year, 1, 1), date(year, 12, 31)
        p, m = ProjectedPerson, ProjectedMeasure
        correction = aliased(ProjectedMeasure)
        community_in_year = exists().where(
            m.person_id == p.person_id,
            m.kind.in_(rules.COMMUNITY_KINDS),
            m.start_on <= last,
            (m.actual_end_on.is_(None)) | (m.actual_end_on > first),
            ~exists().where(correction.corrects_id == m.measure_id),
        )
        completed = (
            select(func.count())
            .where(
                TrainingEnrolment.person_id == p.person_id,
                TrainingEnrolment.status == "completed",
                TrainingEnrolment.completed_on.between(first, last),
            )
            .correlate(p)
            .scalar_subquery()
        )
        conditions = [
            p.status == "active",
            p.work_ability.in_(rules.ABLE),
            p.birth_year.between(year - rules.WORKING_AGE[1], year - rules.WORKING_AGE[0]),
            community_in_year,
        ]
        if jurisdiction_code is not None:
            conditions.append(p.jurisdiction_code == jurisdiction_code)
        eligible = and_(*conditions)
        counts = (
            await self.session.execute(
                select(func.count(), func.count().filter(completed < required)).select_from(p).where(eligible)
            )
        ).one()
        stmt = select(p.person_id, p.jurisdiction_code, completed.label("completed")).where(
            eligible, completed < required
        )
        rows, next_cursor = await keyset_rows(
            self.session, stmt, params, p.person_id, key_of=lambda row: [row.person_id]
        )
        return Shortfall(
            eligible_count=counts[0],
            shortfall_count=counts[1],
            rows=[(r.person_id, r.jurisdiction_code, r.completed) for r in rows],
            next_cursor=next_cursor,
        )
