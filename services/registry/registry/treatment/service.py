"""Rules for treatment records: department policy, jurisdiction, one open methadone enrolment, idempotent creates."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from registry.idempotency import create_for_person
from registry.persons.service import visible_person
from registry.treatment import policy
from registry.treatment.exceptions import EnrolmentAlreadyEnded, EnrolmentAlreadyOpen, EnrolmentNotFound
from registry.treatment.models import CounsellingSession, DetoxAgreement, MethadoneEnrolment
from registry.treatment.repository import TreatmentRepository
from registry.treatment.schemas import (
    LABELS_ZH,
    AgreementCreate,
    AgreementRead,
    CounsellingCreate,
    CounsellingRead,
    MethadoneCreate,
    MethadoneEnd,
    MethadoneRead,
)
from shared.auth import Principal
from shared.db import violated_constraint
from shared.errors import FieldError, InvalidInput
from shared.idempotency import Created
from shared.pagination import PageParams
from shared.query import or_raise
from shared.reads import read_of

OPEN_METHADONE_INDEX = "uq_treatment_methadone_open"


def agreement_to_read(row: DetoxAgreement) -> AgreementRead:
    return AgreementRead.model_validate(row, from_attributes=True)


def methadone_to_read(row: MethadoneEnrolment) -> MethadoneRead:
    return read_of(
        MethadoneRead,
        row,
        end_reason_label_zh=LABELS_ZH["end_reason"][row.end_reason] if row.end_reason else None,
        active=row.ended_on is None,
    )


def counselling_to_read(row: CounsellingSession) -> CounsellingRead:
    return read_of(CounsellingRead, row, kind_label_zh=LABELS_ZH["kind"][row.kind])


# path segment -> (model, its read schema, row -> read schema)
KINDS: dict[str, tuple[type, type[BaseModel], Any]] = {
    "agreements": (DetoxAgreement, AgreementRead, agreement_to_read),
    "methadone": (MethadoneEnrolment, MethadoneRead, methadone_to_read),
    "counselling": (CounsellingSession, CounsellingRead, counselling_to_read),
}


async def list_records(
    session: AsyncSession, *, principal: Principal, person_id: uuid.UUID, kind: str, params: PageParams
) -> tuple[list[Any], str | None]:
    policy.require_read(principal)
    await visible_person(session, principal, person_id)
    model, _, to_read = KINDS[kind]
    rows, cursor = await TreatmentRepository(session).page(model, person_id, params)
    return [to_read(r) for r in rows], cursor


async def create_record(
    session: AsyncSession,
    *,
    principal: Principal,
    person_id: uuid.UUID,
    kind: str,
    data: AgreementCreate | MethadoneCreate | CounsellingCreate,
    idempotency_key: str | None,
) -> Created[Any]:
    policy.require_write(principal)
    await visible_person(session, principal, person_id, for_write=True)
    model, read_model, to_read = KINDS[kind]

    async def write() -> Any:
        fields = data.model_dump()
        if model is CounsellingSession:
            fields["recorded_by"] = principal.subject
        repo = TreatmentRepository(session)
        if model is MethadoneEnrolment and await repo.open_methadone(person_id) is not None:
            raise EnrolmentAlreadyOpen(
                "The person is already enrolled in methadone maintenance; end that enrolment first."
            )
        try:
            async with session.begin_nested():
                row = await repo.add(model(person_id=person_id, **fields))
        except IntegrityError as exc:
            if violated_constraint(exc) == OPEN_METHADONE_INDEX:
                raise EnrolmentAlreadyOpen("The person is already enrolled in methadone maintenance.") from exc
            raise
        return to_read(row)

    return await create_for_person(
        session, principal, person_id, f"treatment/{kind}", idempotency_key, data, read_model, write
    )


async def end_methadone(
    session: AsyncSession, *, principal: Principal, person_id: uuid.UUID, enrolment_id: uuid.UUID, data: MethadoneEnd
) -> MethadoneEnrolment:
    policy.require_write(principal)
    await visible_person(session, principal, person_id, for_write=True)
    enrolment = or_raise(
        await TreatmentRepository(session).methadone(person_id, enrolment_id),
        EnrolmentNotFound,
        "No such methadone enrolment of this person.",
    )
    if enrolment.ended_on is not None:
        raise EnrolmentAlreadyEnded(f"This enrolment already ended on {enrolment.ended_on.isoformat()}.")
    if data.ended_on < enrolment.enrolled_on:
        raise InvalidInput(
            "An enrolment cannot end before it began.",
            errors=[FieldError(field="body.ended_on", message=f"must be on or after {enrolment.enrolled_on}")],
        )
    enrolment.ended_on = data.ended_on
    enrolment.end_reason = data.end_reason
    await session.flush()
    await session.refresh(enrolment)
    return enrolment
