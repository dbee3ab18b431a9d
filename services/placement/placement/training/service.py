"""Skills training (就业技能培训): a catalogue of courses and their sessions, people enrolled on sessions, completions
with certificate numbers, and, per year, the eligible people who have had fewer than the notice's two trainings
(柳城政办〔2012〕84号: "每年至少开展两次就业技能培训")."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from placement.auditing import audited
from placement.events import outbox
from placement.idempotency import store as idempotency
from placement.registry_feed import rules
from placement.registry_feed.people import known_person
from placement.training import policy
from placement.training.exceptions import (
    CourseNotFound,
    EnrolmentExists,
    EnrolmentNotFound,
    EnrolmentNotOpen,
    InvalidTraining,
    SessionNotFound,
)
from placement.training.models import TrainingCourse, TrainingEnrolment, TrainingSession
from placement.training.repository import EnrolmentFilter, TrainingRepository
from placement.training.schemas import (
    LABELS_ZH,
    REQUIRED_PER_YEAR,
    Completion,
    CourseCreate,
    CourseRead,
    EnrolmentCreate,
    EnrolmentRead,
    SessionCreate,
    SessionRead,
    ShortfallItem,
    ShortfallPage,
)
from shared.auth import Principal
from shared.concurrency import require_version
from shared.errors import FieldError
from shared.idempotency import Created
from shared.pagination import PageParams
from shared.query import or_raise
from shared.reads import fields_of, read_of


def course_to_read(course: TrainingCourse) -> CourseRead:
    return read_of(CourseRead, course, provider_kind_label_zh=LABELS_ZH["provider_kind"][course.provider_kind])


def session_to_read(row: TrainingSession, course: TrainingCourse) -> SessionRead:
    return read_of(SessionRead, row, course_title=course.title)


def enrolment_to_read(row: TrainingEnrolment, course_id: uuid.UUID) -> EnrolmentRead:
    return read_of(EnrolmentRead, row, course_id=course_id, status_label_zh=LABELS_ZH["status"][row.status])


# --- The catalogue ------------------------------------------------------------------------------------------------


async def create_course(
    session: AsyncSession, *, principal: Principal, data: CourseCreate, idempotency_key: str | None
) -> Created[CourseRead]:
    policy.require_write(principal, "catalogue")

    async def write() -> CourseRead:
        course = await TrainingRepository(session).add(TrainingCourse(**data.model_dump()))
        await outbox.emit(
            session,
            kind="training_course.created",
            aggregate_type="training_course",
            aggregate_id=course.id,
            data={"course_id": course.id, "provider_kind": course.provider_kind, "hours": course.hours},
        )
        return course_to_read(course)

    return await idempotency.create(
        session, principal.subject, idempotency_key, "POST /api/v1/trainings/courses", data, CourseRead, write
    )


async def list_courses(
    session: AsyncSession, *, principal: Principal, params: PageParams
) -> tuple[list[CourseRead], str | None]:
    policy.require_read(principal, "catalogue")
    rows, cursor = await TrainingRepository(session).courses(params)
    return [course_to_read(c) for c in rows], cursor


async def get_course(session: AsyncSession, *, principal: Principal, course_id: uuid.UUID) -> CourseRead:
    policy.require_read(principal, "catalogue")
    course = or_raise(await TrainingRepository(session).course(course_id), CourseNotFound, "No such training course.")
    return course_to_read(course)


async def create_session(
    session: AsyncSession, *, principal: Principal, data: SessionCreate, idempotency_key: str | None
) -> Created[SessionRead]:
    policy.require_write(principal, "catalogue")
    if data.end_on < data.start_on:
        raise InvalidTraining(
            "A session cannot end before it starts.",
            errors=[FieldError(field="body.end_on", message="must be on or after start_on")],
        )
    repo = TrainingRepository(session)
    course = or_raise(
        await repo.course(data.course_id),
        InvalidTraining,
        "No such training course.",
        errors=[FieldError(field="body.course_id", message="no such course")],
    )

    async def write() -> SessionRead:
        row = await repo.add(TrainingSession(**data.model_dump()))
        await outbox.emit(
            session,
            kind="training_session.created",
            aggregate_type="training_session",
            aggregate_id=row.id,
            data={"session_id": row.id, "course_id": course.id, "start_on": row.start_on, "end_on": row.end_on},
        )
        return session_to_read(row, course)

    return await idempotency.create(
        session, principal.subject, idempotency_key, "POST /api/v1/trainings/sessions", data, SessionRead, write
    )


async def list_sessions(
    session: AsyncSession, *, principal: Principal, params: PageParams, course_id: uuid.UUID | None
) -> tuple[list[SessionRead], str | None]:
    policy.require_read(principal, "catalogue")
    repo = TrainingRepository(session)
    rows, cursor = await repo.sessions(params, course_id=course_id)
    courses = {c: await repo.course(c) for c in {r.course_id for r in rows}}
    return [session_to_read(r, courses[r.course_id]) for r in rows], cursor


async def get_session(session: AsyncSession, *, principal: Principal, session_id: uuid.UUID) -> SessionRead:
    policy.require_read(principal, "catalogue")
    repo = TrainingRepository(session)
    row = or_raise(await repo.training_session(session_id), SessionNotFound, "No such training session.")
    return session_to_read(row, await repo.course(row.course_id))


# --- Enrolments (a person's data) ---------------------------------------------------------------------------------


async def _emit_enrolment(
    session: AsyncSession, kind: str, row: TrainingEnrolment, course_id: uuid.UUID, **extra: Any
) -> None:
    """An event of the enrolment, in the same transaction: whose, on which session of which course, and `extra`."""
    data = {
        "enrolment_id": row.id,
        "course_id": course_id,
        **fields_of(row, "session_id", "person_id", "jurisdiction_code"),
        **extra,
    }
    await outbox.emit(session, kind=kind, aggregate_type="training_enrolment", aggregate_id=row.id, data=data)


async def enrol(
    session: AsyncSession,
    *,
    principal: Principal,
    session_id: uuid.UUID,
    data: EnrolmentCreate,
    idempotency_key: str | None,
) -> Created[EnrolmentRead]:
    policy.require_write(principal, "enrolments")
    async with audited(session, principal, "training.enrol", person_ids=[data.person_id]) as trail:
        repo = TrainingRepository(session)
        training = or_raise(await repo.training_session(session_id), SessionNotFound, "No such training session.")
        person = await known_person(session, principal, data.person_id, for_write=True)

        async def write() -> EnrolmentRead:
            if await repo.enrolled(session_id, data.person_id):
                raise EnrolmentExists("This person is already enrolled on this session.")
            row = await repo.add(
                TrainingEnrolment(
                    session_id=session_id,
                    person_id=person.person_id,
                    jurisdiction_code=person.jurisdiction_code,
                    status="enrolled",
                )
            )
            await _emit_enrolment(session, "training.enrolled", row, training.course_id)
            trail.changes = {"training_enrolment": (None, str(row.id))}
            return enrolment_to_read(row, training.course_id)

        return await idempotency.create(
            session,
            principal.subject,
            idempotency_key,
            f"POST /api/v1/trainings/sessions/{session_id}/enrolments",
            data,
            EnrolmentRead,
            write,
        )


async def _course_of(repo: TrainingRepository, row: TrainingEnrolment) -> uuid.UUID:
    return (await repo.training_session(row.session_id)).course_id


async def list_enrolments(
    session: AsyncSession, *, principal: Principal, filters: EnrolmentFilter, params: PageParams
) -> tuple[list[EnrolmentRead], str | None]:
    policy.require_read(principal, "enrolments")
    async with audited(session, principal, "training.enrolments.list") as trail:
        repo = TrainingRepository(session)
        rows, cursor = await repo.enrolments(filters, params, visible_in=principal.jurisdiction)
        trail.resource_ids = [r.person_id for r in rows]
        items = [enrolment_to_read(r, await _course_of(repo, r)) for r in rows]
    return items, cursor


async def _visible_enrolment(
    repo: TrainingRepository, principal: Principal, enrolment_id: uuid.UUID, *, for_update: bool = False
) -> TrainingEnrolment:
    """The enrolment if it exists for the caller (township staff: their jurisdiction's people's); 404 otherwise."""
    return or_raise(
        await repo.enrolment(enrolment_id, visible_in=principal.jurisdiction, for_update=for_update),
        EnrolmentNotFound,
        "No such enrolment.",
    )


async def get_enrolment(session: AsyncSession, *, principal: Principal, enrolment_id: uuid.UUID) -> EnrolmentRead:
    policy.require_read(principal, "enrolments")
    async with audited(session, principal, "training.enrolment.read") as trail:
        repo = TrainingRepository(session)
        row = await _visible_enrolment(repo, principal, enrolment_id)
        trail.resource_ids = [row.person_id]
        read = enrolment_to_read(row, await _course_of(repo, row))
    return read


async def complete(
    session: AsyncSession,
    *,
    principal: Principal,
    enrolment_id: uuid.UUID,
    data: Completion,
    if_match: str | None,
    today: date,
) -> EnrolmentRead:
    policy.require_write(principal, "enrolments")
    async with audited(session, principal, "training.complete") as trail:
        repo = TrainingRepository(session)
        row = await _visible_enrolment(repo, principal, enrolment_id, for_update=True)
        trail.resource_ids = [row.person_id]
        require_version(if_match, row.version)
        if row.status != "enrolled":
            raise EnrolmentNotOpen(f"This enrolment is {row.status}; only an open enrolment can be completed.")
        training = await repo.training_session(row.session_id)
        errors = []
        if data.completed_on < training.start_on:
            errors.append(FieldError(field="body.completed_on", message=f"must be on or after {training.start_on}"))
        if data.completed_on > today:
            errors.append(FieldError(field="body.completed_on", message="cannot be in the future"))
        if errors:
            raise InvalidTraining("The completion date does not fit the session.", errors=errors)
        row.status = "completed"
        row.completed_on = data.completed_on
        row.certificate_number = data.certificate_number
        await session.flush()
        await _emit_enrolment(
            session,
            "training.completed",
            row,
            training.course_id,
            completed_on=row.completed_on,
            with_certificate=row.certificate_number is not None,
            version=row.version,
        )
        trail.changes = {
            "status": ("enrolled", "completed"),
            "completed_on": (None, row.completed_on),
            "certificate_number": (None, row.certificate_number),
        }
        read = enrolment_to_read(row, training.course_id)
    return read


# --- Who is short of two trainings a year --------------------------------------------------------------------------


async def shortfall(
    session: AsyncSession, *, principal: Principal, year: int, jurisdiction_code: str | None, params: PageParams
) -> ShortfallPage:
    policy.require_read(principal, "shortfall")
    own = principal.jurisdiction
    if own is not None and jurisdiction_code not in (None, own):
        # Another jurisdiction's people do not exist for township staff: an empty answer, not a refusal.
        found = None
    else:
        found = await TrainingRepository(session).shortfall(
            year, params, jurisdiction_code=own or jurisdiction_code, required=REQUIRED_PER_YEAR
        )
    async with audited(session, principal, "training.shortfall.read") as trail:
        trail.resource_ids = [pid for pid, _, _ in found.rows] if found else []
    return ShortfallPage(
        year=year,
        required_per_year=REQUIRED_PER_YEAR,
        eligibility_definition=rules.YEAR_DEFINITION,
        eligible_count=found.eligible_count if found else 0,
        shortfall_count=found.shortfall_count if found else 0,
        items=[
            ShortfallItem(
                person_id=pid,
                jurisdiction_code=code,
                trainings_completed=done,
                trainings_missing=REQUIRED_PER_YEAR - done,
            )
            for pid, code, done in (found.rows if found else [])
        ],
        next_cursor=found.next_cursor if found else None,
        limit=params.limit,
    )
