import uuid
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from placement.employers.exceptions import EmployerExists, EmployerNotFound, OutsideJurisdiction
from placement.employers.models import Employer
from placement.employers.repository import USCC_CONSTRAINT, EmployerFilter, EmployerRepository
from placement.employers.schemas import KIND_LABELS_ZH, EmployerCreate, EmployerRead
from placement.events import outbox
from placement.idempotency import store as idempotency
from shared.auth import Principal
from shared.db import violated_constraint
from shared.pagination import PageParams
from shared.reference import JURISDICTIONS

CREATE_OPERATION = "POST /api/v1/employers"


@dataclass(frozen=True, slots=True)
class Created:
    status: int
    employer: EmployerRead
    replayed: bool


def _read(employer: Employer) -> EmployerRead:
    return EmployerRead(
        id=employer.id,
        name=employer.name,
        kind=employer.kind,
        kind_label_zh=KIND_LABELS_ZH[employer.kind],
        unified_social_credit_code=employer.unified_social_credit_code,
        is_qihang_enterprise=employer.is_qihang_enterprise,
        jurisdiction_code=employer.jurisdiction_code,
        jurisdiction_name_zh=JURISDICTIONS[employer.jurisdiction_code][0],
        address=employer.address,
        contact_name=employer.contact_name,
        contact_phone=employer.contact_phone,
        created_at=employer.created_at,
        updated_at=employer.updated_at,
        version=employer.version,
    )


async def list_employers(
    session: AsyncSession, *, principal: Principal, filters: EmployerFilter, params: PageParams
) -> tuple[list[EmployerRead], str | None]:
    rows, next_cursor = await EmployerRepository(session).page(filters, params, visible_in=principal.jurisdiction)
    return [_read(e) for e in rows], next_cursor


async def get_employer(session: AsyncSession, *, principal: Principal, employer_id: uuid.UUID) -> EmployerRead:
    # Outside their jurisdiction, township staff get the same 404 as for an id that does not exist.
    employer = await EmployerRepository(session).get(employer_id, jurisdiction_code=principal.jurisdiction)
    if employer is None:
        raise EmployerNotFound("No such employer.")
    return _read(employer)


async def create_employer(
    session: AsyncSession, *, principal: Principal, data: EmployerCreate, idempotency_key: str | None
) -> Created:
    if principal.jurisdiction is not None and data.jurisdiction_code != principal.jurisdiction:
        raise OutsideJurisdiction("You may only register employers in your own jurisdiction.")
    stored = await idempotency.replay(
        session,
        key=idempotency_key,
        subject=principal.subject,
        operation=CREATE_OPERATION,
        payload=data.model_dump(mode="json"),
    )
    if stored is not None:
        return Created(stored.status, EmployerRead.model_validate(stored.body), replayed=True)

    repo = EmployerRepository(session)
    code = data.unified_social_credit_code
    if code is not None and await repo.uscc_taken(code):
        raise EmployerExists("An employer with this unified social credit code is already registered.")
    try:
        employer = await repo.add(Employer(**data.model_dump()))
    except IntegrityError as exc:
        if violated_constraint(exc) == USCC_CONSTRAINT:
            raise EmployerExists("An employer with this unified social credit code is already registered.") from exc
        raise
    await outbox.emit(
        session,
        kind="employer.created",
        aggregate_type="employer",
        aggregate_id=employer.id,
        data={
            "employer_id": employer.id,
            "kind": employer.kind,
            "jurisdiction_code": employer.jurisdiction_code,
            "is_qihang_enterprise": employer.is_qihang_enterprise,
        },
    )
    read = _read(employer)
    await idempotency.remember(
        session, key=idempotency_key, subject=principal.subject, status=201, body=read.model_dump(mode="json")
    )
    return Created(201, read, replayed=False)
