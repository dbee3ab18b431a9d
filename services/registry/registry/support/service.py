"""Rules for support teams and their visits: department policy, jurisdiction, membership dates, idempotent creates."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from registry.idempotency import create_for_person
from registry.persons.service import visible_person
from registry.support import policy
from registry.support.exceptions import MemberAlreadyLeft, MemberNotFound
from registry.support.models import SupportMember, SupportVisit
from registry.support.repository import SupportRepository
from registry.support.schemas import (
    LABELS_ZH,
    SupportMemberCreate,
    SupportMemberLeave,
    SupportMemberRead,
    VisitCreate,
    VisitRead,
)
from shared.auth import Principal
from shared.errors import FieldError, InvalidInput
from shared.idempotency import Created
from shared.pagination import PageParams
from shared.query import or_raise
from shared.reads import read_of


def member_to_read(member: SupportMember, today: date | None = None) -> SupportMemberRead:
    today = today or date.today()
    return read_of(
        SupportMemberRead,
        member,
        role_label_zh=LABELS_ZH["role"][member.role],
        current=member.from_on <= today and (member.to_on is None or member.to_on >= today),
    )


def visit_to_read(visit: SupportVisit) -> VisitRead:
    return read_of(VisitRead, visit, kind_label_zh=LABELS_ZH["kind"][visit.kind])


async def list_members(
    session: AsyncSession, *, principal: Principal, person_id: uuid.UUID, params: PageParams, current_only: bool
) -> tuple[list[SupportMember], str | None]:
    policy.require_read(principal)
    await visible_person(session, principal, person_id)
    return await SupportRepository(session).members(
        person_id, params, current_on=date.today() if current_only else None
    )


async def add_member(
    session: AsyncSession,
    *,
    principal: Principal,
    person_id: uuid.UUID,
    data: SupportMemberCreate,
    idempotency_key: str | None,
) -> Created[SupportMemberRead]:
    policy.require_write(principal)
    await visible_person(session, principal, person_id, for_write=True)

    async def write() -> SupportMemberRead:
        member = SupportMember(person_id=person_id, **data.model_dump())
        await SupportRepository(session).add(member)
        return member_to_read(member)

    return await create_for_person(
        session, principal, person_id, "support-team", idempotency_key, data, SupportMemberRead, write
    )


async def member_leaves(
    session: AsyncSession, *, principal: Principal, person_id: uuid.UUID, member_id: uuid.UUID, data: SupportMemberLeave
) -> SupportMember:
    policy.require_write(principal)
    await visible_person(session, principal, person_id, for_write=True)
    member = or_raise(
        await SupportRepository(session).member(person_id, member_id, for_update=True),
        MemberNotFound,
        "No such member of this person's support team.",
    )
    if member.to_on is not None:
        raise MemberAlreadyLeft(f"This member already left on {member.to_on.isoformat()}.")
    to_on = data.to_on
    if to_on < member.from_on:
        raise InvalidInput(
            "A member cannot leave before joining.",
            errors=[FieldError(field="body.to_on", message=f"must be on or after {member.from_on.isoformat()}")],
        )
    member.to_on = to_on
    await session.flush()
    await session.refresh(member)
    return member


async def list_visits(
    session: AsyncSession, *, principal: Principal, person_id: uuid.UUID, params: PageParams
) -> tuple[list[SupportVisit], str | None]:
    policy.require_read(principal)
    await visible_person(session, principal, person_id)
    return await SupportRepository(session).visits(person_id, params)


async def record_visit(
    session: AsyncSession,
    *,
    principal: Principal,
    person_id: uuid.UUID,
    data: VisitCreate,
    idempotency_key: str | None,
) -> Created[VisitRead]:
    policy.require_write(principal)
    await visible_person(session, principal, person_id, for_write=True)

    async def write() -> VisitRead:
        repo = SupportRepository(session)
        member = or_raise(
            await repo.member(person_id, data.member_id),
            InvalidInput,
            "The visitor is not a member of this person's support team.",
            errors=[FieldError(field="body.member_id", message="not a member of this person's support team")],
        )
        if data.visited_on < member.from_on or (member.to_on is not None and data.visited_on > member.to_on):
            raise InvalidInput(
                "The visitor was not on the support team on that date.",
                errors=[FieldError(field="body.visited_on", message="outside the member's time on the team")],
            )
        visit = SupportVisit(person_id=person_id, recorded_by=principal.subject, **data.model_dump())
        await repo.add(visit)
        return visit_to_read(visit)

    return await create_for_person(session, principal, person_id, "visits", idempotency_key, data, VisitRead, write)
