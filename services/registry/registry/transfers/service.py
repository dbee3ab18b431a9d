"""Rules for transfers between jurisdictions (人员迁移): who proposes and decides (policy), one open transfer per
person, never to the same jurisdiction or for an archived record, and on acceptance the person's move in the same
transaction (jurisdiction, residence, version, event, audit entry)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from registry.audit.models import audit
from registry.events import emit_person_event
from registry.history.asof import register_on
from registry.history.repository import HistoryRepository
from registry.idempotency import store as idempotency
from registry.measures.rules import LABELS_ZH as MEASURE_LABELS_ZH
from registry.measures.status import control_in_force
from registry.persons.auditing import RESOURCE_TYPE as PERSON_RESOURCE_TYPE
from registry.persons.auditing import SENSITIVE_FIELDS as PERSON_SENSITIVE_FIELDS
from registry.persons.exceptions import PersonArchived
from registry.persons.models import Person
from registry.persons.repository import PersonRepository
from registry.persons.schemas import LABELS_ZH as PERSON_LABELS_ZH
from registry.persons.service import emit_person, visible_person
from registry.transfers import policy
from registry.transfers.exceptions import (
    InvalidTransfer,
    TransferAlreadyOpen,
    TransferNotFound,
    TransferNotOpen,
    TransferOutOfDate,
)
from registry.transfers.models import PersonTransfer
from registry.transfers.repository import TransferFilter, TransferRepository
from registry.transfers.schemas import LABELS_ZH, TransferCreate, TransferPersonSummary, TransferRead
from shared.audit import Trail
from shared.auth import Principal
from shared.concurrency import require_version
from shared.db import violated_constraint
from shared.errors import FieldError
from shared.idempotency import Created
from shared.pagination import PageParams
from shared.query import or_raise
from shared.reads import fields_of, read_of
from shared.reference import JURISDICTIONS

PROPOSE_OPERATION = "POST /api/v1/transfers"
OPEN_TRANSFER_INDEX = "uq_person_transfer_open"


def _invalid(field: str, message: str) -> InvalidTransfer:
    return InvalidTransfer(message, errors=[FieldError(field=field, message=message)])


def details_visible(principal: Principal, transfer: PersonTransfer, person: Person) -> bool:
    """County-wide readers and the jurisdiction holding the person see who it is; the receiving jurisdiction too
    while it has to decide. Nobody else (see policy)."""
    own = principal.jurisdiction
    if own is None or person.jurisdiction_code == own:
        return True
    return transfer.status == "proposed" and transfer.to_jurisdiction_code == own


def _summary(person: Person, current_measure: str | None) -> TransferPersonSummary:
    return TransferPersonSummary(
        name=person.name,
        gender=person.gender,
        gender_label_zh=PERSON_LABELS_ZH["gender"][person.gender],
        birth_year=person.birth_date.year,
        current_measure=current_measure,
        current_measure_label_zh=MEASURE_LABELS_ZH["kind"][current_measure] if current_measure else None,
    )


async def to_reads(session: AsyncSession, principal: Principal, transfers: list[PersonTransfer]) -> list[TransferRead]:
    repo = TransferRepository(session)
    persons = await repo.persons(list({t.person_id for t in transfers}))
    shown = {t.id for t in transfers if details_visible(principal, t, persons[t.person_id])}
    measures = await repo.measures_of(list({t.person_id for t in transfers if t.id in shown}))
    today = date.today()
    current: dict[uuid.UUID, str | None] = {}
    for pid, episodes in measures.items():
        found = control_in_force(episodes, today)
        current[pid] = found.kind if found else None
    return [
        _read(t, _summary(persons[t.person_id], current[t.person_id]) if t.id in shown else None) for t in transfers
    ]


def _read(t: PersonTransfer, summary: TransferPersonSummary | None) -> TransferRead:
    visible = summary is not None
    return read_of(
        TransferRead,
        t,
        from_jurisdiction_name_zh=JURISDICTIONS[t.from_jurisdiction_code][0],
        to_jurisdiction_name_zh=JURISDICTIONS[t.to_jurisdiction_code][0],
        status_label_zh=LABELS_ZH["status"][t.status],
        person_details_visible=visible,
        person=summary,
        new_residence_address=t.new_residence_address if visible else None,
        notes=t.notes if visible else None,
        proposed_at=t.created_at,
    )


def transfer_event_data(t: PersonTransfer) -> dict[str, Any]:
    return {
        "transfer_id": t.id,
        **fields_of(t, "from_jurisdiction_code", "to_jurisdiction_code", "status", "effective_on", "version"),
    }


async def _emit(session: AsyncSession, t: PersonTransfer, person: Person) -> None:
    await emit_person_event(
        session,
        kind=f"transfer.{t.status}",
        person_id=t.person_id,
        jurisdiction_code=person.jurisdiction_code,
        data=transfer_event_data(t),
        aggregate_type="transfer",
        aggregate_id=t.id,
    )


async def _person_of(session: AsyncSession, transfer: PersonTransfer) -> Person:
    return or_raise(
        await PersonRepository(session).get(transfer.person_id, jurisdiction=None),
        TransferOutOfDate,
        "The person of this transfer no longer exists.",
    )


async def _check_effective_on(session: AsyncSession, person: Person, day: date, *, today: date) -> None:
    """A transfer's day: a real day on the register, after the person's last accepted transfer."""
    if day > today:
        raise _invalid("body.effective_on", "effective_on cannot be in the future")
    if day < person.registered_on:
        raise _invalid("body.effective_on", f"effective_on cannot be before the registration on {person.registered_on}")
    history = await HistoryRepository(session).history(person)
    last = max((t.effective_on for t in history.transfers if t.effective_on is not None), default=None)
    if last is not None and day < last:
        raise _invalid("body.effective_on", f"effective_on cannot be before the person's last transfer, on {last}")
    on_record, reason = register_on(history, day)
    if not on_record:
        raise _invalid("body.effective_on", f"the person is not on the register on {day} ({reason})")


async def propose_transfer(
    session: AsyncSession,
    *,
    principal: Principal,
    data: TransferCreate,
    idempotency_key: str | None,
    trail: Trail,
) -> Created[TransferRead]:
    policy.require_step(principal, "propose")
    trail.resource_ids = [data.person_id]
    if data.to_jurisdiction_code not in JURISDICTIONS:
        raise _invalid("body.to_jurisdiction_code", f"must be one of {', '.join(JURISDICTIONS)}")

    async def write() -> TransferRead:
        # Locks the person's row: two proposals for one person are checked one after the other.
        person = await visible_person(session, principal, data.person_id, for_write=True)
        if data.to_jurisdiction_code == person.jurisdiction_code:
            raise _invalid("body.to_jurisdiction_code", "the person is already registered in this jurisdiction")
        if data.effective_on is not None:
            await _check_effective_on(session, person, data.effective_on, today=date.today())
        repo = TransferRepository(session)
        already = await repo.open_for(person.id)
        if already is not None:
            raise TransferAlreadyOpen(f"This person already has an open transfer: {already.id}. Cancel it first.")
        transfer = PersonTransfer(
            person_id=person.id,
            from_jurisdiction_code=person.jurisdiction_code,
            to_jurisdiction_code=data.to_jurisdiction_code,
            reason=data.reason,
            new_residence_address=data.new_residence_address,
            notes=data.notes,
            effective_on=data.effective_on,
            status="proposed",
            proposed_by=principal.subject,
        )
        try:
            async with session.begin_nested():
                await repo.add(transfer)
        except IntegrityError as exc:
            if violated_constraint(exc) == OPEN_TRANSFER_INDEX:
                raise TransferAlreadyOpen("This person already has an open transfer. Cancel it first.") from exc
            raise
        trail.resource_ids = [transfer.id, person.id]
        await _emit(session, transfer, person)
        (read,) = await to_reads(session, principal, [transfer])
        return read

    created = await idempotency.create(
        session, principal.subject, idempotency_key, PROPOSE_OPERATION, data, TransferRead, write
    )
    trail.resource_ids = [created.item.id, created.item.person_id]
    return created


async def _visible_transfer(
    session: AsyncSession, principal: Principal, transfer_id: uuid.UUID, *, for_update: bool = False
) -> PersonTransfer:
    transfer = await TransferRepository(session).get(transfer_id, for_update=for_update)
    if transfer is None or not policy.sees(principal, transfer.from_jurisdiction_code, transfer.to_jurisdiction_code):
        raise TransferNotFound("No such transfer.")
    return transfer


async def get_transfer(
    session: AsyncSession, *, principal: Principal, transfer_id: uuid.UUID, trail: Trail
) -> TransferRead:
    policy.require_read(principal)
    transfer = await _visible_transfer(session, principal, transfer_id)
    trail.resource_ids = [transfer.id, transfer.person_id]
    (read,) = await to_reads(session, principal, [transfer])
    return read


async def list_transfers(
    session: AsyncSession, *, principal: Principal, filters: TransferFilter, params: PageParams
) -> tuple[list[TransferRead], str | None]:
    policy.require_read(principal)
    own = principal.jurisdiction
    if filters.jurisdiction_code is None and own is not None:
        filters = TransferFilter(
            status=filters.status, direction=filters.direction, jurisdiction_code=own, person_id=filters.person_id
        )
    if filters.direction is not None and filters.jurisdiction_code is None:
        raise _invalid("query.jurisdiction_code", "county-wide callers name the jurisdiction a direction refers to")
    rows, cursor = await TransferRepository(session).page(filters, params, jurisdiction=own)
    return await to_reads(session, principal, rows), cursor


async def list_person_transfers(
    session: AsyncSession, *, principal: Principal, person_id: uuid.UUID, params: PageParams
) -> tuple[list[TransferRead], str | None]:
    """The whole transfer history of a person the caller may see now, whoever the parties were."""
    policy.require_read(principal)
    await visible_person(session, principal, person_id)
    rows, cursor = await TransferRepository(session).page(
        TransferFilter(person_id=person_id), params, jurisdiction=None
    )
    return await to_reads(session, principal, rows), cursor


async def _open_for_step(
    session: AsyncSession,
    principal: Principal,
    transfer_id: uuid.UUID,
    *,
    step: policy.Step,
    if_match: str | None,
    trail: Trail,
) -> PersonTransfer:
    """The transfer, row locked, after every check a step makes: grant, visibility, side, If-Match, still open.
    The lock makes concurrent steps (accept against cancel) run one after the other: the second sees the first's
    new version and gets 412."""
    policy.require_step(principal, step)
    transfer = await _visible_transfer(session, principal, transfer_id, for_update=True)
    trail.resource_ids = [transfer.id, transfer.person_id]
    side = transfer.from_jurisdiction_code if step == "cancel" else transfer.to_jurisdiction_code
    policy.require_side(principal, step, side)
    require_version(if_match, transfer.version)
    if transfer.status != "proposed":
        raise TransferNotOpen(f"This transfer is already {transfer.status}.")
    return transfer


def _close(transfer: PersonTransfer, principal: Principal, status: str, reason: str | None) -> dict[str, Any]:
    changes = {"status": (transfer.status, status)}
    if reason is not None:
        changes["resolution_reason"] = (None, reason)
    transfer.status = status
    transfer.resolved_by = principal.subject
    transfer.resolved_at = datetime.now(UTC)
    transfer.resolution_reason = reason
    return changes


async def accept_transfer(
    session: AsyncSession, *, principal: Principal, transfer_id: uuid.UUID, if_match: str | None, trail: Trail
) -> tuple[TransferRead, dict[str, Any]]:
    transfer = await _open_for_step(session, principal, transfer_id, step="accept", if_match=if_match, trail=trail)
    person = or_raise(
        await PersonRepository(session).get(transfer.person_id, jurisdiction=None, for_update=True),
        TransferOutOfDate,
        "The person of this transfer no longer exists.",
    )
    if person.status == "archived":
        raise PersonArchived("The person's record was archived meanwhile: reject or cancel this transfer instead.")
    if person.jurisdiction_code != transfer.from_jurisdiction_code:
        raise TransferOutOfDate("The person is no longer registered where this transfer moves them from.")
    today = date.today()
    await _check_effective_on(session, person, transfer.effective_on or today, today=today)
    moved: dict[str, Any] = {"jurisdiction_code": (person.jurisdiction_code, transfer.to_jurisdiction_code)}
    person.jurisdiction_code = transfer.to_jurisdiction_code
    if transfer.new_residence_address and transfer.new_residence_address != person.residence_address:
        moved["residence_address"] = (person.residence_address, transfer.new_residence_address)
        person.residence_address = transfer.new_residence_address
    changes = _close(transfer, principal, "accepted", None)
    if transfer.effective_on is None:
        transfer.effective_on = today
        changes["effective_on"] = (None, today)
    # Both rows' versions go up: an If-Match read before the move is stale now.
    await session.flush()
    await session.refresh(person)
    await session.refresh(transfer)
    await emit_person(
        session,
        "person.transferred",
        person,
        transfer_id=transfer.id,
        from_jurisdiction_code=transfer.from_jurisdiction_code,
        to_jurisdiction_code=transfer.to_jurisdiction_code,
        effective_on=transfer.effective_on,
    )
    await _emit(session, transfer, person)
    # The person's own trail shows the move like any other change of the record (the transfer's row comes after).
    await audit.record(
        session,
        principal=principal,
        operation="person.transfer",
        resource_type=PERSON_RESOURCE_TYPE,
        resource_ids=[person.id],
        changes=moved,
        sensitive=PERSON_SENSITIVE_FIELDS,
        jurisdictions=[transfer.from_jurisdiction_code, transfer.to_jurisdiction_code],
    )
    (read,) = await to_reads(session, principal, [transfer])
    return read, changes | {f"person.{field}": change for field, change in moved.items()}


async def reject_transfer(
    session: AsyncSession,
    *,
    principal: Principal,
    transfer_id: uuid.UUID,
    reason: str,
    if_match: str | None,
    trail: Trail,
) -> tuple[TransferRead, dict[str, Any]]:
    return await _end_open(session, principal, transfer_id, "reject", "rejected", reason, if_match, trail)


async def cancel_transfer(
    session: AsyncSession,
    *,
    principal: Principal,
    transfer_id: uuid.UUID,
    reason: str | None,
    if_match: str | None,
    trail: Trail,
) -> tuple[TransferRead, dict[str, Any]]:
    return await _end_open(session, principal, transfer_id, "cancel", "cancelled", reason, if_match, trail)


async def _end_open(
    session: AsyncSession,
    principal: Principal,
    transfer_id: uuid.UUID,
    step: str,
    status: str,
    reason: str | None,
    if_match: str | None,
    trail: Trail,
) -> tuple[TransferRead, dict[str, Any]]:
    """Reject or cancel an open transfer: it ends with `status`, the person stays where they are."""
    transfer = await _open_for_step(session, principal, transfer_id, step=step, if_match=if_match, trail=trail)
    changes = _close(transfer, principal, status, reason)
    await session.flush()
    await session.refresh(transfer)
    await _emit(session, transfer, await _person_of(session, transfer))
    (read,) = await to_reads(session, principal, [transfer])
    return read, changes
