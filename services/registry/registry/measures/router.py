import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response

from registry.measures import service
from registry.measures.dependencies import SettingsDep
from registry.measures.schemas import MeasureCorrection, MeasureCreate, MeasureEnd, MeasureRead, StatusRead
from registry.persons.auditing import audited
from shared.auth import CurrentPrincipal
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.idempotency import IdempotencyKeyHeader
from shared.pagination import Page, PageParamsDep
from shared.routes import audited_call, audited_create, audited_page, creates, new_values

router = APIRouter(prefix="/api/v1/persons/{person_id}", tags=["measures"])


@router.get("/measures", responses=problem_responses(400, 403, 404))
async def list_measures(
    session: SessionDep, principal: CurrentPrincipal, person_id: uuid.UUID, params: PageParamsDep
) -> Page[MeasureRead]:
    """A person's control measures in time order, corrected entries included (linked to their corrections)."""
    return await audited_page(
        audited(session, principal, "measure.read", person_ids=[person_id]),
        service.list_measures(session, principal=principal, person_id=person_id, params=params),
        params,
    )


@router.post("/measures", **creates(403, 404, 409, 422))
async def create_measure(
    session: SessionDep,
    principal: CurrentPrincipal,
    person_id: uuid.UUID,
    body: MeasureCreate,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> MeasureRead:
    """Record a control-measure episode; overlaps and transitions the law does not allow are refused."""
    return await audited_create(
        audited(session, principal, "measure.create", person_ids=[person_id]),
        service.create_measure(
            session,
            principal=principal,
            person_id=person_id,
            data=body,
            idempotency_key=idempotency_key,
            today=date.today(),
        ),
        response,
        changes=lambda item: new_values(measure=str(item.id)),
        collection=f"/api/v1/persons/{person_id}/measures",
    )


@router.post("/measures/{measure_id}/end", responses=problem_responses(403, 404, 409, 422))
async def end_measure(
    session: SessionDep, principal: CurrentPrincipal, person_id: uuid.UUID, measure_id: uuid.UUID, body: MeasureEnd
) -> MeasureRead:
    """End an open episode with its end date and reason (once; a wrong end is fixed by a correction)."""
    return await audited_call(
        audited(session, principal, "measure.end", person_ids=[person_id]),
        service.end_measure(
            session, principal=principal, person_id=person_id, measure_id=measure_id, data=body, today=date.today()
        ),
        changes=lambda measure: new_values(actual_end_on=measure.actual_end_on, end_reason=measure.end_reason),
    )


@router.post("/measures/{measure_id}/corrections", **creates(403, 404, 409, 422))
async def correct_measure(
    session: SessionDep,
    principal: CurrentPrincipal,
    person_id: uuid.UUID,
    measure_id: uuid.UUID,
    body: MeasureCorrection,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> MeasureRead:
    """Correct an entry: a new entry, with a reason, supersedes it; the history keeps both."""
    return await audited_create(
        audited(session, principal, "measure.correct", person_ids=[person_id]),
        service.correct_measure(
            session,
            principal=principal,
            person_id=person_id,
            measure_id=measure_id,
            data=body,
            idempotency_key=idempotency_key,
            today=date.today(),
        ),
        response,
        changes=lambda item: {"measure": {"old": str(measure_id), "new": str(item.id)}},
        collection=f"/api/v1/persons/{person_id}/measures",
    )


@router.get("/status", responses=problem_responses(403, 404, 422))
async def get_status(
    session: SessionDep,
    principal: CurrentPrincipal,
    person_id: uuid.UUID,
    settings: SettingsDep,
    as_of: Annotated[date | None, Query(description="The day to derive the status for; default today.")] = None,
) -> StatusRead:
    """Status as of a day: on the register, under control, stays, consolidation (rule v2, with its N)."""
    async with audited(session, principal, "status.read", person_ids=[person_id]):
        return await service.derived_status(
            session,
            principal=principal,
            person_id=person_id,
            as_of=as_of or date.today(),
            consolidation_years=settings.consolidation_years,
            working_age=settings.working_age,
        )
