import uuid
from datetime import date

from fastapi import APIRouter, Response

from registry.history import service
from registry.history.schemas import (
    RegisterChangeCreate,
    RegisterChangeRead,
    StayCreate,
    StayEnd,
    StayRead,
    Withdrawal,
    WorkAbilityChangeCreate,
    WorkAbilityChangeRead,
)
from registry.persons.auditing import audited
from shared.auth import CurrentPrincipal
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.idempotency import IdempotencyKeyHeader
from shared.openapi import response_headers
from shared.pagination import Page, PageParamsDep
from shared.routes import audited_call, audited_create, audited_page, new_values

router = APIRouter(prefix="/api/v1/persons/{person_id}")
REGISTER = ["register-changes"]
ABILITY = ["work-ability-changes"]
STAYS = ["stays"]


@router.get("/register-changes", tags=REGISTER, responses=problem_responses(400, 403, 404))
async def list_register_changes(
    session: SessionDep, principal: CurrentPrincipal, person_id: uuid.UUID, params: PageParamsDep
) -> Page[RegisterChangeRead]:
    """A person's off-register changes and returns, by effective day (withdrawn ones included, marked)."""
    return await audited_page(
        audited(session, principal, "register_change.read", person_ids=[person_id]),
        service.list_register_changes(session, principal=principal, person_id=person_id, params=params),
        params,
    )


@router.post(
    "/register-changes",
    status_code=201,
    tags=REGISTER,
    responses=problem_responses(403, 404, 409, 422),
    openapi_extra=response_headers(201, "Location"),
)
async def record_register_change(
    session: SessionDep,
    principal: CurrentPrincipal,
    person_id: uuid.UUID,
    body: RegisterChangeCreate,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> RegisterChangeRead:
    """Record that a person left the register (died, moved out of the county, entered in error, other) or returned.

    Changes follow each other in time: a departure needs the person on the register and is dated after the last
    return (else 409 overlapping_off_register), never before registration or in the future (422); stays and
    transfers must not fall after it (409 outside_register). A return follows a departure other than a death
    (409 death_is_final). Leaving archives the record; returning makes it active again."""
    return await audited_create(
        audited(session, principal, "register_change.create", person_ids=[person_id]),
        service.record_register_change(
            session,
            principal=principal,
            person_id=person_id,
            data=body,
            idempotency_key=idempotency_key,
            today=date.today(),
        ),
        response,
        changes=lambda item: new_values(register_change=str(item.id), kind=body.kind, effective_on=body.effective_on),
        collection=f"/api/v1/persons/{person_id}/register-changes",
    )


@router.post("/register-changes/{change_id}/withdrawal", tags=REGISTER, responses=problem_responses(403, 404, 409, 422))
async def withdraw_register_change(
    session: SessionDep,
    principal: CurrentPrincipal,
    person_id: uuid.UUID,
    change_id: uuid.UUID,
    body: Withdrawal,
) -> RegisterChangeRead:
    """Withdraw the latest standing change, recorded in error (it stays in the history, marked withdrawn)."""
    return await audited_call(
        audited(session, principal, "register_change.withdraw", person_ids=[person_id]),
        service.withdraw_register_change(
            session, principal=principal, person_id=person_id, change_id=change_id, data=body
        ),
        changes=lambda change: {"register_change": {"old": str(change.id), "new": "withdrawn"}},
    )


@router.get("/work-ability-changes", tags=ABILITY, responses=problem_responses(400, 403, 404))
async def list_work_ability_changes(
    session: SessionDep, principal: CurrentPrincipal, person_id: uuid.UUID, params: PageParamsDep
) -> Page[WorkAbilityChangeRead]:
    """A person's work ability as dated changes, by effective day."""
    return await audited_page(
        audited(session, principal, "work_ability_change.read", person_ids=[person_id]),
        service.list_ability_changes(session, principal=principal, person_id=person_id, params=params),
        params,
    )


@router.post(
    "/work-ability-changes",
    status_code=201,
    tags=ABILITY,
    responses=problem_responses(403, 404, 409, 422),
    openapi_extra=response_headers(201, "Location"),
)
async def record_work_ability_change(
    session: SessionDep,
    principal: CurrentPrincipal,
    person_id: uuid.UUID,
    body: WorkAbilityChangeCreate,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> WorkAbilityChangeRead:
    """Record work ability from a day on (back-dated allowed; not before birth, not in the future).

    The record's `work_ability` follows the latest change in force today; a later entry for the same day
    supersedes an earlier one (that is how a wrong entry is corrected)."""
    return await audited_create(
        audited(session, principal, "work_ability_change.create", person_ids=[person_id]),
        service.record_ability_change(
            session,
            principal=principal,
            person_id=person_id,
            data=body,
            idempotency_key=idempotency_key,
            today=date.today(),
        ),
        response,
        changes=lambda _: new_values(work_ability=body.work_ability, effective_on=body.effective_on),
        collection=f"/api/v1/persons/{person_id}/work-ability-changes",
    )


@router.get("/stays", tags=STAYS, responses=problem_responses(400, 403, 404))
async def list_stays(
    session: SessionDep, principal: CurrentPrincipal, person_id: uuid.UUID, params: PageParamsDep
) -> Page[StayRead]:
    """A person's custody and facility stays, by start day (withdrawn ones included, marked)."""
    return await audited_page(
        audited(session, principal, "stay.read", person_ids=[person_id]),
        service.list_stays(session, principal=principal, person_id=person_id, params=params),
        params,
    )


@router.post(
    "/stays",
    status_code=201,
    tags=STAYS,
    responses=problem_responses(403, 404, 409, 422),
    openapi_extra=response_headers(201, "Location"),
)
async def record_stay(
    session: SessionDep,
    principal: CurrentPrincipal,
    person_id: uuid.UUID,
    body: StayCreate,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> StayRead:
    """Record a custody or facility stay (拘留, 刑事羁押, 住院 ...); it may overlap a community measure.

    The stay must lie within the person's time on the register (409 outside_register) and not overlap another
    standing stay of the same kind (409 overlapping_stay). It does not end a community measure: the person is
    still under it, only not eligible for placement while in custody or the facility."""
    return await audited_create(
        audited(session, principal, "stay.create", person_ids=[person_id]),
        service.record_stay(
            session,
            principal=principal,
            person_id=person_id,
            data=body,
            idempotency_key=idempotency_key,
            today=date.today(),
        ),
        response,
        changes=lambda item: new_values(stay=str(item.id), kind=body.kind),
        collection=f"/api/v1/persons/{person_id}/stays",
    )


@router.post("/stays/{stay_id}/end", tags=STAYS, responses=problem_responses(403, 404, 409, 422))
async def end_stay(
    session: SessionDep, principal: CurrentPrincipal, person_id: uuid.UUID, stay_id: uuid.UUID, body: StayEnd
) -> StayRead:
    """End an open stay on the day of release (once)."""
    return await audited_call(
        audited(session, principal, "stay.end", person_ids=[person_id]),
        service.end_stay(
            session, principal=principal, person_id=person_id, stay_id=stay_id, data=body, today=date.today()
        ),
        changes=lambda stay: new_values(end_on=stay.end_on),
    )


@router.post("/stays/{stay_id}/withdrawal", tags=STAYS, responses=problem_responses(403, 404, 409, 422))
async def withdraw_stay(
    session: SessionDep, principal: CurrentPrincipal, person_id: uuid.UUID, stay_id: uuid.UUID, body: Withdrawal
) -> StayRead:
    """Withdraw a stay recorded in error (it stays in the history, marked withdrawn)."""
    return await audited_call(
        audited(session, principal, "stay.withdraw", person_ids=[person_id]),
        service.withdraw_stay(session, principal=principal, person_id=person_id, stay_id=stay_id, data=body),
        changes=lambda stay: {"stay": {"old": str(stay.id), "new": "withdrawn"}},
    )
