"""Rules for employers: who sees which (policy), credit codes unique and valid, If-Match on updates, and the
Qihang status read from the designation history."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from placement.employers import policy
from placement.employers.exceptions import EmployerExists, EmployerNotFound, OutsideJurisdiction
from placement.employers.models import Employer, EmployerDesignation
from placement.employers.policy import Resource
from placement.employers.repository import USCC_CONSTRAINT, DesignationRepository, EmployerFilter, EmployerRepository
from placement.employers.schemas import (
    DESIGNATION_STATUS_LABELS_ZH,
    KIND_LABELS_ZH,
    SECTOR_LABELS_ZH,
    DesignationState,
    EmployerContact,
    EmployerCreate,
    EmployerRead,
    EmployerUpdate,
)
from placement.events import outbox
from placement.idempotency import store as idempotency
from shared.auth import Principal
from shared.concurrency import require_version
from shared.db import refused_as, violated_constraint
from shared.idempotency import Created
from shared.pagination import PageParams
from shared.query import or_raise
from shared.reads import apply_changes, fields_of, read_of
from shared.reference import JURISDICTIONS

CREATE_OPERATION = "POST /api/v1/employers"
DUPLICATE_CODE = "An employer with this unified social credit code is already registered."


def designation_state(step: EmployerDesignation | None) -> DesignationState:
    status = step.status_after if step is not None else "not_designated"
    return DesignationState(
        status=status,
        status_label_zh=DESIGNATION_STATUS_LABELS_ZH[status],
        since=step.effective_on if step is not None else None,
        document_number=step.document_number if step is not None else None,
    )


def to_read(employer: Employer, latest: EmployerDesignation | None) -> EmployerRead:
    """`latest`: the employer's latest designation step up to today."""
    state = designation_state(latest)
    return read_of(
        EmployerRead,
        employer,
        kind_label_zh=KIND_LABELS_ZH[employer.kind],
        is_qihang_enterprise=state.status == "active",
        qihang_designation=state,
        jurisdiction_name_zh=JURISDICTIONS[employer.jurisdiction_code][0],
        sector_label_zh=SECTOR_LABELS_ZH[employer.sector_code] if employer.sector_code else None,
        contacts=[EmployerContact.model_validate(c) for c in employer.contacts],
    )


async def read_one(session: AsyncSession, employer: Employer) -> EmployerRead:
    latest = await DesignationRepository(session).latest_on([employer.id], date.today())
    return to_read(employer, latest.get(employer.id))


async def visible_employer(
    session: AsyncSession,
    principal: Principal,
    employer_id: uuid.UUID,
    *,
    resource: Resource = "employers",
    write: bool = False,
    for_update: bool = False,
) -> Employer:
    """The employer if the caller may read (or `write`) `resource` and the employer exists for them; else 403 / 404.
    Other domains use it for their own records of an employer (its designations, sites, posts)."""
    scope = policy.require_write(principal, resource) if write else policy.require_read(principal, resource)
    # Outside the caller's jurisdiction or employer: the same 404 as for an id that does not exist.
    return or_raise(
        await EmployerRepository(session).get(employer_id, scope, for_update=for_update),
        EmployerNotFound,
        "No such employer.",
    )


async def _emit(session: AsyncSession, kind: str, employer: Employer, **extra: Any) -> None:
    """An event of the employer, in the same transaction: its id, kind, jurisdiction, sector, version and `extra`."""
    data = {
        "employer_id": employer.id,
        **extra,
        **fields_of(employer, "kind", "jurisdiction_code", "sector_code", "version"),
    }
    await outbox.emit(session, kind=kind, aggregate_type="employer", aggregate_id=employer.id, data=data)


async def list_employers(
    session: AsyncSession, *, principal: Principal, filters: EmployerFilter, params: PageParams
) -> tuple[list[EmployerRead], str | None]:
    scope = policy.require_read(principal, "employers")
    today = date.today()
    rows, next_cursor = await EmployerRepository(session).page(filters, params, scope, today=today)
    latest = await DesignationRepository(session).latest_on([e.id for e in rows], today)
    return [to_read(e, latest.get(e.id)) for e in rows], next_cursor


async def get_employer(session: AsyncSession, *, principal: Principal, employer_id: uuid.UUID) -> EmployerRead:
    return await read_one(session, await visible_employer(session, principal, employer_id))


async def create_employer(
    session: AsyncSession, *, principal: Principal, data: EmployerCreate, idempotency_key: str | None
) -> Created[EmployerRead]:
    scope = policy.require_write(principal, "employers")
    if scope.jurisdiction is not None and data.jurisdiction_code != scope.jurisdiction:
        raise OutsideJurisdiction("You may only register employers in your own jurisdiction.")

    async def write() -> EmployerRead:
        repo = EmployerRepository(session)
        code = data.unified_social_credit_code
        if code is not None and await repo.uscc_taken(code):
            raise EmployerExists(DUPLICATE_CODE)
        try:
            employer = await repo.add(Employer(**data.model_dump(mode="json")))
        except IntegrityError as exc:
            if violated_constraint(exc) == USCC_CONSTRAINT:
                raise EmployerExists(DUPLICATE_CODE) from exc
            raise
        await _emit(session, "employer.created", employer)
        return to_read(employer, None)

    return await idempotency.create(
        session, principal.subject, idempotency_key, CREATE_OPERATION, data, EmployerRead, write
    )


async def update_employer(
    session: AsyncSession, *, principal: Principal, employer_id: uuid.UUID, data: EmployerUpdate, if_match: str | None
) -> EmployerRead:
    employer = await visible_employer(session, principal, employer_id, write=True, for_update=True)
    require_version(if_match, employer.version)
    changes: dict[str, Any] = data.model_dump(mode="json", exclude_unset=True)
    moved_to = changes.get("jurisdiction_code")
    if principal.jurisdiction is not None and moved_to not in (None, principal.jurisdiction):
        raise OutsideJurisdiction("You may not move an employer out of your jurisdiction.")
    code = changes.get("unified_social_credit_code")
    if code is not None and await EmployerRepository(session).uscc_taken(code, other_than=employer.id):
        raise EmployerExists(DUPLICATE_CODE)
    changed = sorted(apply_changes(employer, changes))
    if changed:
        async with refused_as(session, EmployerExists(DUPLICATE_CODE), USCC_CONSTRAINT):
            await session.flush()
        await session.refresh(employer)
        await _emit(session, "employer.updated", employer, fields=changed)
    return await read_one(session, employer)
