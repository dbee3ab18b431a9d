import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from placement.employers.schemas import JurisdictionCode
from placement.training import service
from placement.training.repository import EnrolmentFilter
from placement.training.schemas import (
    Completion,
    CourseCreate,
    CourseRead,
    EnrolmentCreate,
    EnrolmentRead,
    EnrolmentStatus,
    SessionCreate,
    SessionRead,
    ShortfallPage,
)
from shared.auth import Principal, require_scopes
from shared.concurrency import IfMatch, send_versioned
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.idempotency import IdempotencyKeyHeader
from shared.pagination import Page, PageParamsDep
from shared.routes import creates, send_created_at, versioned

router = APIRouter(prefix="/api/v1/trainings", tags=["trainings"])
Reader = Annotated[Principal, Depends(require_scopes("placement:read"))]
Writer = Annotated[Principal, Depends(require_scopes("placement:write"))]


@router.get("/shortfall", responses=problem_responses(400, 403, 422))
async def training_shortfall(
    session: SessionDep,
    principal: Reader,
    params: PageParamsDep,
    year: Annotated[int, Query(ge=2012, le=2100, description="Calendar year.", examples=[2026])],
    jurisdiction_code: Annotated[JurisdictionCode | None, Query(description="Only this jurisdiction.")] = None,
) -> ShortfallPage:
    """Eligible people with fewer than two completed trainings in a year.

    The notice (柳城政办〔2012〕84号) asks for at least two skills trainings a year for each eligible person; this
    lists who is short, with how many they had, plus the counts. Eligibility comes from the registry's feed and the
    answer states the definition it used. Township staff see only their own jurisdiction's people."""
    return await service.shortfall(
        session, principal=principal, year=year, jurisdiction_code=jurisdiction_code, params=params
    )


@router.post("/courses", **creates(403, 409, 422, etag=True))
async def create_course(
    session: SessionDep,
    principal: Writer,
    body: CourseCreate,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> CourseRead:
    """Add a training course to the catalogue (NCO, human resources, justice)."""
    created = await service.create_course(session, principal=principal, data=body, idempotency_key=idempotency_key)
    return send_created_at(response, created, f"{router.prefix}/courses", versioned=True)


@router.get("/courses", responses=problem_responses(400, 403, 422))
async def list_courses(session: SessionDep, principal: Reader, params: PageParamsDep) -> Page[CourseRead]:
    """List the training courses by title."""
    return Page.of(await service.list_courses(session, principal=principal, params=params), params)


@router.get("/courses/{course_id}", **versioned(403, 404, 422))
async def get_course(session: SessionDep, principal: Reader, course_id: uuid.UUID, response: Response) -> CourseRead:
    """Get one training course, with its version as ETag."""
    return send_versioned(response, await service.get_course(session, principal=principal, course_id=course_id))


@router.post("/sessions", **creates(403, 409, 422, etag=True))
async def create_session(
    session: SessionDep,
    principal: Writer,
    body: SessionCreate,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> SessionRead:
    """Schedule a session of a course: its dates and place."""
    created = await service.create_session(session, principal=principal, data=body, idempotency_key=idempotency_key)
    return send_created_at(response, created, f"{router.prefix}/sessions", versioned=True)


@router.get("/sessions", responses=problem_responses(400, 403, 422))
async def list_sessions(
    session: SessionDep,
    principal: Reader,
    params: PageParamsDep,
    course_id: Annotated[uuid.UUID | None, Query(description="Only this course's sessions.")] = None,
) -> Page[SessionRead]:
    """List training sessions by start date."""
    return Page.of(
        await service.list_sessions(session, principal=principal, params=params, course_id=course_id), params
    )


@router.get("/sessions/{session_id}", **versioned(403, 404, 422))
async def get_session(session: SessionDep, principal: Reader, session_id: uuid.UUID, response: Response) -> SessionRead:
    """Get one training session, with its version as ETag."""
    return send_versioned(response, await service.get_session(session, principal=principal, session_id=session_id))


@router.post("/sessions/{session_id}/enrolments", **creates(403, 404, 409, 422, etag=True))
async def enrol(
    session: SessionDep,
    principal: Writer,
    session_id: uuid.UUID,
    body: EnrolmentCreate,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> EnrolmentRead:
    """Enrol a person on a session; township staff only their own jurisdiction's people (others are 404)."""
    created = await service.enrol(
        session, principal=principal, session_id=session_id, data=body, idempotency_key=idempotency_key
    )
    return send_created_at(response, created, f"{router.prefix}/enrolments", versioned=True)


@router.get("/enrolments", responses=problem_responses(400, 403, 422))
async def list_enrolments(
    session: SessionDep,
    principal: Reader,
    params: PageParamsDep,
    session_id: Annotated[uuid.UUID | None, Query(description="Only this session's enrolments.")] = None,
    person_id: Annotated[uuid.UUID | None, Query(description="Only this person's enrolments.")] = None,
    status: Annotated[EnrolmentStatus | None, Query(description="enrolled, completed or withdrawn.")] = None,
) -> Page[EnrolmentRead]:
    """List enrolments; township staff see only their own jurisdiction's people."""
    filters = EnrolmentFilter(session_id=session_id, person_id=person_id, status=status)
    return Page.of(await service.list_enrolments(session, principal=principal, filters=filters, params=params), params)


@router.get("/enrolments/{enrolment_id}", **versioned(403, 404, 422))
async def get_enrolment(
    session: SessionDep, principal: Reader, enrolment_id: uuid.UUID, response: Response
) -> EnrolmentRead:
    """Get one enrolment, with its version as ETag."""
    return send_versioned(
        response, await service.get_enrolment(session, principal=principal, enrolment_id=enrolment_id)
    )


@router.post("/enrolments/{enrolment_id}/completion", **versioned(403, 404, 409, 412, 422, 428))
async def complete_enrolment(
    session: SessionDep,
    principal: Writer,
    enrolment_id: uuid.UUID,
    body: Completion,
    response: Response,
    if_match: IfMatch = None,
) -> EnrolmentRead:
    """Record that the person completed the training, with the certificate number if one was issued.

    Needs If-Match with the enrolment's ETag; emits `training.completed`."""
    return send_versioned(
        response,
        await service.complete(
            session, principal=principal, enrolment_id=enrolment_id, data=body, if_match=if_match, today=date.today()
        ),
    )
