"""Self-employment (自主创业: the notice encourages small enterprises, workshops, shops and restaurants) and the small
guaranteed loans (小额担保贷款) taken for it, which the subsidy service reads to compute interest subsidies (贴息).
Recording a self-employment closes the person's pending hand-over entry, if any, as `self_employed`."""

from __future__ import annotations

import calendar
import uuid
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from placement.auditing import audited
from placement.events import outbox
from placement.handover import service as handover
from placement.idempotency import store as idempotency
from placement.registry_feed.people import known_person
from placement.self_employment import policy
from placement.self_employment.exceptions import (
    InvalidSelfEmployment,
    SelfEmploymentEnded,
    SelfEmploymentNotFound,
)
from placement.self_employment.models import GuaranteedLoan, SelfEmployment
from placement.self_employment.repository import SelfEmploymentFilter, SelfEmploymentRepository
from placement.self_employment.schemas import (
    LABELS_ZH,
    LoanCreate,
    LoanInYear,
    LoanRead,
    SelfEmploymentCreate,
    SelfEmploymentRead,
    SelfEmploymentUpdate,
)
from shared.auth import Principal
from shared.concurrency import require_version
from shared.errors import FieldError
from shared.idempotency import Created
from shared.pagination import PageParams
from shared.query import or_raise
from shared.reads import apply_changes, fields_of, read_of
from shared.reference import JURISDICTIONS

OPERATION = "POST /api/v1/self-employments"


def to_read(row: SelfEmployment) -> SelfEmploymentRead:
    return read_of(
        SelfEmploymentRead,
        row,
        jurisdiction_name_zh=JURISDICTIONS.get(row.jurisdiction_code, (row.jurisdiction_code,))[0],
        business_kind_label_zh=LABELS_ZH["business_kind"][row.business_kind],
        status_label_zh=LABELS_ZH["status"][row.status],
    )


def loan_to_read(loan: GuaranteedLoan, record: SelfEmployment) -> LoanRead:
    return read_of(LoanRead, loan, person_id=record.person_id)


def _invalid(field: str, message: str) -> InvalidSelfEmployment:
    return InvalidSelfEmployment(message, errors=[FieldError(field=field, message=message)])


async def _emit(session: AsyncSession, kind: str, row: SelfEmployment, *fields: str, **extra: Any) -> None:
    """An event of the record, in the same transaction: its id, the person, its `fields` and `extra`."""
    data = {"self_employment_id": row.id, **fields_of(row, "person_id", *fields), **extra}
    await outbox.emit(session, kind=kind, aggregate_type="self_employment", aggregate_id=row.id, data=data)


async def create(
    session: AsyncSession,
    *,
    principal: Principal,
    data: SelfEmploymentCreate,
    idempotency_key: str | None,
    today: date,
) -> Created[SelfEmploymentRead]:
    policy.require_write(principal)
    if data.start_on > today:
        raise _invalid("body.start_on", "cannot be in the future")
    async with audited(session, principal, "self_employment.create", person_ids=[data.person_id]) as trail:
        person = await known_person(session, principal, data.person_id, for_write=True)

        async def write() -> SelfEmploymentRead:
            row = await SelfEmploymentRepository(session).add(
                SelfEmployment(**data.model_dump(), jurisdiction_code=person.jurisdiction_code, status="active")
            )
            await _emit(session, "self_employment.created", row, "jurisdiction_code", "business_kind", "start_on")
            await handover.close_pending(
                session,
                person_id=row.person_id,
                reason="self_employed",
                closed_on=row.start_on,
                closed_by=principal.subject,
            )
            trail.changes = {"self_employment": (None, str(row.id))}
            return to_read(row)

        return await idempotency.create(
            session, principal.subject, idempotency_key, OPERATION, data, SelfEmploymentRead, write
        )


async def list_records(
    session: AsyncSession, *, principal: Principal, filters: SelfEmploymentFilter, params: PageParams
) -> tuple[list[SelfEmploymentRead], str | None]:
    policy.require_read(principal)
    async with audited(session, principal, "self_employment.list") as trail:
        rows, cursor = await SelfEmploymentRepository(session).page(filters, params, visible_in=principal.jurisdiction)
        trail.resource_ids = [r.person_id for r in rows]
    return [to_read(r) for r in rows], cursor


async def _visible(session: AsyncSession, principal: Principal, record_id: uuid.UUID, *, for_update: bool = False):
    return or_raise(
        await SelfEmploymentRepository(session).get(
            record_id, visible_in=principal.jurisdiction, for_update=for_update
        ),
        SelfEmploymentNotFound,
        "No such self-employment record.",
    )


async def get(session: AsyncSession, *, principal: Principal, record_id: uuid.UUID) -> SelfEmploymentRead:
    policy.require_read(principal)
    async with audited(session, principal, "self_employment.read") as trail:
        row = await _visible(session, principal, record_id)
        trail.resource_ids = [row.person_id]
    return to_read(row)


async def update(
    session: AsyncSession,
    *,
    principal: Principal,
    record_id: uuid.UUID,
    data: SelfEmploymentUpdate,
    if_match: str | None,
    today: date,
) -> SelfEmploymentRead:
    policy.require_write(principal)
    changes = data.model_dump(exclude_unset=True)
    async with audited(session, principal, "self_employment.update") as trail:
        row = await _visible(session, principal, record_id, for_update=True)
        trail.resource_ids = [row.person_id]
        require_version(if_match, row.version)
        if row.status == "ended":
            raise SelfEmploymentEnded(f"This business ended on {row.end_on}; the record is closed.")
        if None in (changes.get(k, "") for k in ("business_name", "status", "end_on")):
            raise _invalid("body", "business_name, status and end_on cannot be cleared")
        if ("status" in changes) != ("end_on" in changes):
            raise _invalid("body.end_on", "status ended and end_on go together")
        end_on = changes.get("end_on")
        if end_on is not None and not row.start_on <= end_on <= today:
            raise _invalid("body.end_on", f"must be between {row.start_on} and today")
        diff = apply_changes(row, changes)
        if diff:
            await session.flush()
            kind = "self_employment.ended" if "status" in diff else "self_employment.updated"
            await _emit(session, kind, row, "status", "end_on", "version", fields=sorted(diff))
        trail.changes = diff
    return to_read(row)


async def add_loan(
    session: AsyncSession,
    *,
    principal: Principal,
    record_id: uuid.UUID,
    data: LoanCreate,
    idempotency_key: str | None,
    today: date,
) -> Created[LoanRead]:
    policy.require_write(principal)
    async with audited(session, principal, "self_employment.loan.create") as trail:
        record = await _visible(session, principal, record_id, for_update=True)
        trail.resource_ids = [record.person_id]
        errors = []
        if data.maturity_on <= data.disbursed_on:
            errors.append(FieldError(field="body.maturity_on", message="must be after disbursed_on"))
        if data.disbursed_on > today:
            errors.append(FieldError(field="body.disbursed_on", message="cannot be in the future"))
        if errors:
            raise InvalidSelfEmployment("The loan's dates do not fit.", errors=errors)

        async def write() -> LoanRead:
            loan = await SelfEmploymentRepository(session).add(
                GuaranteedLoan(self_employment_id=record.id, **data.model_dump())
            )
            await outbox.emit(
                session,
                kind="guaranteed_loan.created",
                aggregate_type="guaranteed_loan",
                aggregate_id=loan.id,
                data={
                    "loan_id": loan.id,
                    "self_employment_id": record.id,
                    "person_id": record.person_id,
                    "jurisdiction_code": record.jurisdiction_code,
                    "disbursed_on": loan.disbursed_on,
                    "maturity_on": loan.maturity_on,
                },
            )
            trail.changes = {"guaranteed_loan": (None, str(loan.id))}
            return loan_to_read(loan, record)

        return await idempotency.create(
            session, principal.subject, idempotency_key, f"{OPERATION}/{record_id}/loans", data, LoanRead, write
        )


async def list_loans(session: AsyncSession, *, principal: Principal, record_id: uuid.UUID) -> list[LoanRead]:
    policy.require_read(principal)
    async with audited(session, principal, "self_employment.loan.list") as trail:
        record = await _visible(session, principal, record_id)
        trail.resource_ids = [record.person_id]
        loans = await SelfEmploymentRepository(session).loans_of(record.id)
    return [loan_to_read(loan, record) for loan in loans]


async def loans_in_year(
    session: AsyncSession, *, principal: Principal, year: int, jurisdiction_code: str | None, params: PageParams
) -> tuple[list[LoanInYear], str | None]:
    policy.require_read(principal)
    days_in_year = 366 if calendar.isleap(year) else 365
    async with audited(session, principal, "self_employment.loans_in_year.read") as trail:
        rows, cursor = await SelfEmploymentRepository(session).loans_in_year(
            year, params, visible_in=principal.jurisdiction, jurisdiction_code=jurisdiction_code
        )
        trail.resource_ids = [record.person_id for _, record, _ in rows]
    items = [
        read_of(
            LoanInYear,
            loan,
            loan_id=loan.id,
            person_id=record.person_id,
            jurisdiction_code=record.jurisdiction_code,
            business_kind=record.business_kind,
            self_employment_status=record.status,
            interest_days=days,
            days_in_year=days_in_year,
        )
        for loan, record, days in rows
    ]
    return items, cursor
