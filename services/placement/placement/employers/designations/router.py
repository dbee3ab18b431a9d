import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from placement.employers.designations import service
from placement.employers.designations.schemas import DesignationCreate, DesignationRead, DesignationStatusRead
from shared.auth import Principal, require_scopes
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.idempotency import IdempotencyKeyHeader, send_created
from shared.pagination import Page, PageParamsDep

router = APIRouter(prefix="/api/v1/employers/{employer_id}/designations", tags=["employers"])
Reader = Annotated[Principal, Depends(require_scopes("placement:read"))]
Writer = Annotated[Principal, Depends(require_scopes("placement:write"))]


@router.get("", responses=problem_responses(400, 403, 404, 422))
async def list_designations(
    session: SessionDep, principal: Reader, employer_id: uuid.UUID, params: PageParamsDep
) -> Page[DesignationRead]:
    """The employer's Qihang designation history (认定、暂停、撤销、恢复), oldest step first."""
    return Page.of(
        await service.list_designations(session, principal=principal, employer_id=employer_id, params=params), params
    )


@router.get("/status", responses=problem_responses(403, 404, 422))
async def designation_status(
    session: SessionDep,
    principal: Reader,
    employer_id: uuid.UUID,
    on: Annotated[date | None, Query(description="The day to ask about (default today).")] = None,
) -> DesignationStatusRead:
    """Whether the employer was a Qihang enterprise on a day, from the latest step of its history up to that day."""
    return await service.status_on(session, principal=principal, employer_id=employer_id, on=on or date.today())


@router.post(
    "",
    status_code=201,
    responses=problem_responses(403, 404, 409, 422),
    response_description="The step recorded (or, on a retry with the same Idempotency-Key, the first result).",
)
async def record_designation_step(
    session: SessionDep,
    principal: Writer,
    employer_id: uuid.UUID,
    body: DesignationCreate,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> DesignationRead:
    """Designate, suspend, revoke or reinstate the employer as a Qihang enterprise (county departments only).

    Steps are added, never changed: a mistake is put right by a further step. Each one is an event on the feed
    (`employer.designated`, `employer.designation_changed`) and changes the employer's ETag."""
    created = await service.record_step(
        session, principal=principal, employer_id=employer_id, data=body, idempotency_key=idempotency_key
    )
    return send_created(response, created)
