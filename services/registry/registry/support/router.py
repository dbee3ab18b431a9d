import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from registry.persons.auditing import audited
from registry.support import service
from registry.support.schemas import SupportMemberCreate, SupportMemberLeave, SupportMemberRead, VisitCreate, VisitRead
from shared.auth import CurrentPrincipal
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.idempotency import IdempotencyKeyHeader
from shared.pagination import Page, PageParamsDep
from shared.routes import audited_call, audited_create, audited_page, body_values, new_values

router = APIRouter(prefix="/api/v1/persons/{person_id}", tags=["support"])


@router.get("/support-team", responses=problem_responses(400, 403, 404))
async def list_support_team(
    session: SessionDep,
    principal: CurrentPrincipal,
    person_id: uuid.UUID,
    params: PageParamsDep,
    current_only: Annotated[bool, Query(description="Only members on the team today.")] = False,
) -> Page[SupportMemberRead]:
    """The person's support team (帮扶小组), past members included, earliest first."""
    return await audited_page(
        audited(session, principal, "support.member.list", person_ids=[person_id]),
        service.list_members(
            session, principal=principal, person_id=person_id, params=params, current_only=current_only
        ),
        params,
        to_read=service.member_to_read,
    )


@router.post("/support-team", status_code=201, responses=problem_responses(403, 404, 409, 422))
async def add_support_member(
    session: SessionDep,
    principal: CurrentPrincipal,
    person_id: uuid.UUID,
    body: SupportMemberCreate,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> SupportMemberRead:
    """Add a community drug-control worker, police officer, guardian or other member to the support team."""
    return await audited_create(
        audited(session, principal, "support.member.create", person_ids=[person_id]),
        service.add_member(
            session, principal=principal, person_id=person_id, data=body, idempotency_key=idempotency_key
        ),
        response,
        changes=lambda _: body_values(body),
    )


@router.post("/support-team/{member_id}/leave", responses=problem_responses(403, 404, 409, 422))
async def support_member_leaves(
    session: SessionDep,
    principal: CurrentPrincipal,
    person_id: uuid.UUID,
    member_id: uuid.UUID,
    body: SupportMemberLeave,
) -> SupportMemberRead:
    """A member leaves the team on the given day; the membership stays in the team's history."""
    member = await audited_call(
        audited(session, principal, "support.member.leave", person_ids=[person_id]),
        service.member_leaves(session, principal=principal, person_id=person_id, member_id=member_id, to_on=body.to_on),
        changes=lambda _: new_values(member_id=member_id, to_on=body.to_on),
    )
    return service.member_to_read(member)


@router.get("/visits", responses=problem_responses(400, 403, 404))
async def list_visits(
    session: SessionDep, principal: CurrentPrincipal, person_id: uuid.UUID, params: PageParamsDep
) -> Page[VisitRead]:
    """Visits and talks (走访 / 谈话) with the person, newest first, a page at a time."""
    return await audited_page(
        audited(session, principal, "support.visit.list", person_ids=[person_id]),
        service.list_visits(session, principal=principal, person_id=person_id, params=params),
        params,
        to_read=service.visit_to_read,
    )


@router.post("/visits", status_code=201, responses=problem_responses(403, 404, 409, 422))
async def record_visit(
    session: SessionDep,
    principal: CurrentPrincipal,
    person_id: uuid.UUID,
    body: VisitCreate,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> VisitRead:
    """Record a visit or talk by a support team member; send Idempotency-Key so a retry records it once."""
    return await audited_create(
        audited(session, principal, "support.visit.create", person_ids=[person_id]),
        service.record_visit(
            session, principal=principal, person_id=person_id, data=body, idempotency_key=idempotency_key
        ),
        response,
        changes=lambda _: body_values(body),
    )
