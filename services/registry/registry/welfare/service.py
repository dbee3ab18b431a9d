"""Rules for welfare and employment status: section-level department policy, jurisdiction, If-Match, relief events."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from registry.idempotency import create_for_person
from registry.persons.service import visible_person
from registry.welfare import policy
from registry.welfare.models import ReliefEvent, WelfareRecord
from registry.welfare.repository import WelfareRepository
from registry.welfare.schemas import (
    LABELS_ZH,
    Disability,
    EmploymentCertificate,
    MinimumLivingGuaranteeRead,
    ReliefCreate,
    ReliefRead,
    WelfareRead,
    WelfareUpdate,
)
from shared.audit import changes_between
from shared.auth import Principal
from shared.concurrency import require_version
from shared.errors import PreconditionFailed
from shared.idempotency import Created
from shared.pagination import PageParams

# "section.field" of the API -> column; the audit trail names changes by the API's path.
COLUMNS: dict[str, str] = {
    "minimum_living_guarantee.status": "mlg_status",
    "minimum_living_guarantee.since": "mlg_since",
    "minimum_living_guarantee.amount_cny": "mlg_amount_cny",
    "medical_insurance": "medical_insurance",
    "disability.grade": "disability_grade",
    "disability.certificate_number": "disability_certificate_number",
    "employment_certificate.number": "employment_certificate_number",
    "employment_certificate.issued_on": "employment_certificate_issued_on",
}
DEFAULTS: dict[str, Any] = {column: None for column in COLUMNS.values()} | {"mlg_status": "none"}


def _values(record: WelfareRecord | None) -> dict[str, Any]:
    if record is None:
        return {path: DEFAULTS[column] for path, column in COLUMNS.items()}
    return {path: getattr(record, column) for path, column in COLUMNS.items()}


def to_read(person_id: uuid.UUID, record: WelfareRecord | None) -> WelfareRead:
    v = _values(record)
    certificate = None
    if v["employment_certificate.number"] is not None:
        certificate = EmploymentCertificate(
            number=v["employment_certificate.number"], issued_on=v["employment_certificate.issued_on"]
        )
    status = v["minimum_living_guarantee.status"]
    insurance = v["medical_insurance"]
    return WelfareRead(
        person_id=person_id,
        minimum_living_guarantee=MinimumLivingGuaranteeRead(
            status=status,
            status_label_zh=LABELS_ZH["mlg_status"][status],
            since=v["minimum_living_guarantee.since"],
            amount_cny=v["minimum_living_guarantee.amount_cny"],
        ),
        medical_insurance=insurance,
        medical_insurance_label_zh=LABELS_ZH["medical_insurance"][insurance] if insurance else None,
        disability=Disability(grade=v["disability.grade"], certificate_number=v["disability.certificate_number"]),
        employment_certificate=certificate,
        updated_at=record.updated_at if record else None,
        version=record.version if record else 0,
    )


def relief_to_read(row: ReliefEvent) -> ReliefRead:
    return ReliefRead.model_validate(row, from_attributes=True)


async def get_welfare(session: AsyncSession, *, principal: Principal, person_id: uuid.UUID) -> WelfareRead:
    policy.grant_of(principal)
    await visible_person(session, principal, person_id)
    return to_read(person_id, await WelfareRepository(session).record(person_id))


async def update_welfare(
    session: AsyncSession, *, principal: Principal, person_id: uuid.UUID, data: WelfareUpdate, if_match: str | None
) -> tuple[WelfareRead, dict[str, tuple[Any, Any]]]:
    sections = data.model_dump(exclude_unset=True)
    policy.require_sections(principal, set(sections))
    await visible_person(session, principal, person_id, for_write=True)
    repo = WelfareRepository(session)
    record = await repo.record(person_id, for_update=True)
    require_version(if_match, record.version if record else 0)
    before = _values(record)
    after = dict(before)
    for section, value in sections.items():
        if section == "medical_insurance":
            after[section] = value
            continue
        for path in COLUMNS:
            if path.startswith(f"{section}."):
                after[path] = None if value is None else value.get(path.split(".", 1)[1])
    diff = changes_between(before, after)
    if record is None:
        record = WelfareRecord(person_id=person_id, **{COLUMNS[path]: value for path, value in after.items()})
        try:
            async with session.begin_nested():
                await repo.add(record)
        except IntegrityError as exc:
            # Another request recorded the first version meanwhile: this one's If-Match is stale now.
            raise PreconditionFailed("This resource changed since you read it. Read it again and retry.") from exc
    elif diff:
        for path, (_, new) in diff.items():
            setattr(record, COLUMNS[path], new)
        await session.flush()
        await session.refresh(record)
    return to_read(person_id, record), diff


async def list_relief(
    session: AsyncSession, *, principal: Principal, person_id: uuid.UUID, params: PageParams
) -> tuple[list[ReliefEvent], str | None]:
    policy.require_relief_read(principal)
    await visible_person(session, principal, person_id)
    return await WelfareRepository(session).reliefs(person_id, params)


async def record_relief(
    session: AsyncSession,
    *,
    principal: Principal,
    person_id: uuid.UUID,
    data: ReliefCreate,
    idempotency_key: str | None,
) -> Created[ReliefRead]:
    policy.require_relief_write(principal)
    await visible_person(session, principal, person_id, for_write=True)

    async def write() -> ReliefRead:
        row = ReliefEvent(person_id=person_id, recorded_by=principal.subject, **data.model_dump())
        await WelfareRepository(session).add(row)
        return relief_to_read(row)

    return await create_for_person(
        session, principal, person_id, "welfare/relief", idempotency_key, data, ReliefRead, write
    )
