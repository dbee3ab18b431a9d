import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response

from registry.measures import service
from registry.measures.dependencies import SettingsDep
from registry.measures.schemas import MeasureCorrection, MeasureCreate, MeasureEnd, MeasureRead, StatusRead
from registry.persons.auditing import audited
from registry.persons.routes import PersonRecords
from shared.auth import CurrentPrincipal
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.idempotency import IdempotencyKeyHeader
from shared.pagination import Page, PageParamsDep
from shared.routes import audited_create, creates, new_values

router = APIRouter(prefix="/api/v1/persons/{person_id}", tags=["measures"])
measures = PersonRecords(router, "/measures", "measure", located=True, dated=True)


@measures.listing(service.list_measures)
def list_measures(params: PageParamsDep) -> Page[MeasureRead]:
    """A person's control measures in time order, corrected entries included (linked to their corrections)."""


@measures.create(service.create_measure, changes=lambda item, _: new_values(measure=str(item.id)))
def create_measure(body: MeasureCreate) -> MeasureRead:
    """Record a control-measure episode; overlaps and transitions the law does not allow are refused."""


@measures.change(
    "/{measure_id}/end",
    "end",
    service.end_measure,
    changes=lambda measure, _: new_values(actual_end_on=measure.actual_end_on, end_reason=measure.end_reason),
    dated=True,
)
def end_measure(measure_id: uuid.UUID, body: MeasureEnd) -> MeasureRead:
    """End an open episode with its end date and reason (once; a wrong end is fixed by a correction)."""


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
