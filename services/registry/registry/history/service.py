"""Rules for a person's dated history: leaving and returning to the register, work ability from a day on, custody
and facility stays; and the status as of a day that follows from it (registry.history.asof)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from registry.events import emit_person_event
from registry.history import policy
from registry.history.asof import (
    History,
    death_by_measure,
    register_spans,
    standing_changes,
    within_register,
)
from registry.history.exceptions import (
    AlreadyWithdrawn,
    DeathIsFinal,
    InvalidHistory,
    NotLatestChange,
    NotOffRegister,
    OutsideRegister,
    OverlappingOffRegister,
    OverlappingStay,
    RegisterChangeNotFound,
    StayAlreadyEnded,
    StayNotFound,
)
from registry.history.models import RegisterChange, Stay, WorkAbilityChange
from registry.history.repository import HistoryRepository
from registry.history.schemas import (
    LABELS_ZH,
    RegisterChangeCreate,
    RegisterChangeRead,
    StayCreate,
    StayEnd,
    StayRead,
    Withdrawal,
    WorkAbilityChangeCreate,
    WorkAbilityChangeRead,
)
from registry.idempotency import create_for_person
from registry.persons import policy as persons_policy
from registry.persons.exceptions import PersonArchived, PersonNotFound
from registry.persons.models import Person
from registry.persons.repository import PersonRepository
from registry.persons.schemas import LABELS_ZH as PERSON_LABELS_ZH
from registry.persons.schemas import ArchiveRequest
from registry.persons.service import (
    check_day,
    emit_person,
    emit_work_ability_change,
    refresh_work_ability,
    visible_person,
)
from shared.auth import Principal
from shared.errors import FieldError
from shared.idempotency import Created
from shared.pagination import PageParams
from shared.query import or_raise
from shared.reads import fields_of, read_of


def _invalid(field: str, message: str) -> InvalidHistory:
    return InvalidHistory(message, errors=[FieldError(field=f"body.{field}", message=message)])


def _end(end: date | None) -> date:
    return end or date.max


def _withdraw(row: RegisterChange | Stay, principal: Principal, data: Withdrawal) -> None:
    """A withdrawn entry stays on record, marked: who withdrew it, when and why; it no longer counts."""
    row.withdrawn_by = principal.subject
    row.withdrawn_at = datetime.now(UTC)
    row.withdrawal_reason = data.reason


def _spans_text(h: History) -> str:
    spans = register_spans(h)
    if not spans:
        return "the person has no day on the register"
    return "on the register: " + ", ".join(f"{s} to {e - timedelta(days=1) if e else 'now'}" for s, e in spans)


# --- On and off the register ----------------------------------------------------------------------------------------


def change_read(c: RegisterChange) -> RegisterChangeRead:
    return read_of(
        RegisterChangeRead,
        c,
        kind_label_zh=LABELS_ZH["register_kind"][c.kind],
        reason_label_zh=PERSON_LABELS_ZH["left_reason"][c.reason_code] if c.reason_code else None,
        standing=c.withdrawn_at is None,
    )


def _apply_register_status(person: Person, standing: list[RegisterChange]) -> None:
    """The record's status follows the last standing change: archived while the person is off the register."""
    last = standing[-1] if standing else None
    if last is not None and last.kind == "left":
        person.status = "archived"
        person.archived_on = last.effective_on
        person.archive_reason_code = last.reason_code
        person.archived_at = last.created_at
        person.archive_reason = (last.detail or PERSON_LABELS_ZH["left_reason"][last.reason_code or "other"])[:200]
    else:
        person.status = "active"
        person.archived_on = None
        person.archive_reason_code = None
        person.archived_at = None
        person.archive_reason = None


def _check_departure(h: History, effective_on: date, standing: list[RegisterChange]) -> None:
    last = standing[-1] if standing else None
    if last is not None and last.kind == "left":
        raise OverlappingOffRegister(
            f"The person is already off the register since {last.effective_on} ({last.reason_code}, {last.id}); "
            "record their return first."
        )
    if last is not None and effective_on <= last.effective_on:
        raise OverlappingOffRegister(
            f"The person was off the register until their return on {last.effective_on} ({last.id}): a departure "
            "on or before it would overlap that span. Withdraw the return first to change that span."
        )
    for stay in h.stays:
        if stay.withdrawn_at is None and _end(stay.end_on) > effective_on:
            until = f"until {stay.end_on}" if stay.end_on else "still open"
            raise OutsideRegister(
                f"The {stay.kind} stay from {stay.start_on} ({stay.id}, {until}) would lie outside the register: end "
                f"it on or before {effective_on} (or withdraw it) first."
            )
    for move in h.transfers:
        if move.effective_on is not None and move.effective_on > effective_on:
            raise OutsideRegister(
                f"The person moved to {move.to_jurisdiction_code} on {move.effective_on}, after this departure: a "
                "transfer happens on the register."
            )


def _check_return(h: History, effective_on: date, standing: list[RegisterChange]) -> None:
    last = standing[-1] if standing else None
    if last is None or last.kind != "left":
        raise NotOffRegister("The person is on the register: there is nothing to return from.")
    if last.reason_code == "died" or death_by_measure(h.episodes) is not None:
        raise DeathIsFinal("The person's death is recorded; if it was recorded in error, withdraw it instead.")
    if effective_on <= last.effective_on:
        raise _invalid("effective_on", f"a return must come after the departure on {last.effective_on}")


async def _record_change(
    session: AsyncSession,
    *,
    principal: Principal,
    person: Person,
    kind: str,
    effective_on: date,
    reason_code: str | None,
    detail: str | None,
    today: date,
) -> RegisterChange:
    if effective_on > today:
        raise _invalid("effective_on", "effective_on cannot be in the future")
    if effective_on < person.registered_on:
        raise _invalid(
            "effective_on", f"effective_on cannot be before the person's registration on {person.registered_on}"
        )
    repo = HistoryRepository(session)
    h = await repo.history(person)
    standing = standing_changes(h.register_changes)
    if kind == "left":
        _check_departure(h, effective_on, standing)  # type: ignore[arg-type]
    else:
        _check_return(h, effective_on, standing)  # type: ignore[arg-type]
    change = await repo.add(
        RegisterChange(
            person_id=person.id,
            kind=kind,
            effective_on=effective_on,
            reason_code=reason_code,
            detail=detail,
            created_by=principal.subject,
        )
    )
    _apply_register_status(person, [*standing, change])  # type: ignore[list-item]
    await session.flush()
    await session.refresh(person)
    extra = {"register_change_id": change.id, "effective_on": effective_on}
    if kind == "left":
        await emit_person(session, "person.archived", person, **extra, reason_code=reason_code)
    else:
        await emit_person(session, "person.returned", person, **extra)
    return change


async def list_register_changes(
    session: AsyncSession, *, principal: Principal, person_id: uuid.UUID, params: PageParams
) -> tuple[list[RegisterChangeRead], str | None]:
    policy.require_read(principal, "register")
    await visible_person(session, principal, person_id)
    rows, cursor = await HistoryRepository(session).page_register_changes(person_id, params)
    return [change_read(c) for c in rows], cursor


async def record_register_change(
    session: AsyncSession,
    *,
    principal: Principal,
    person_id: uuid.UUID,
    data: RegisterChangeCreate,
    idempotency_key: str | None,
    today: date,
) -> Created[RegisterChangeRead]:
    policy.require_write(principal, "register")
    person = await visible_person(session, principal, person_id, for_write=True, archived_ok=True)

    async def write() -> RegisterChangeRead:
        change = await _record_change(
            session,
            principal=principal,
            person=person,
            kind=data.kind,
            effective_on=data.effective_on,
            reason_code=data.reason_code,
            detail=data.detail,
            today=today,
        )
        return change_read(change)

    return await create_for_person(
        session, principal, person_id, "register-changes", idempotency_key, data, RegisterChangeRead, write
    )


async def archive_person(
    session: AsyncSession, *, principal: Principal, person_id: uuid.UUID, data: ArchiveRequest, today: date
) -> Person:
    """Archiving is leaving the register: a `left` change, effective on the day given (default today)."""
    persons_policy.require_archive(principal)
    person = or_raise(
        await PersonRepository(session).get(
            person_id, jurisdiction=persons_policy.visible_jurisdiction(principal), for_update=True
        ),
        PersonNotFound,
        "No such person.",
    )
    if person.status == "archived":
        raise PersonArchived("The record is already archived.")
    await _record_change(
        session,
        principal=principal,
        person=person,
        kind="left",
        effective_on=data.effective_on or today,
        reason_code=data.reason_code,
        detail=data.reason,
        today=today,
    )
    return person


async def withdraw_register_change(
    session: AsyncSession,
    *,
    principal: Principal,
    person_id: uuid.UUID,
    change_id: uuid.UUID,
    data: Withdrawal,
) -> RegisterChangeRead:
    policy.require_write(principal, "register")
    person = await visible_person(session, principal, person_id, for_write=True, archived_ok=True)
    repo = HistoryRepository(session)
    change = or_raise(
        await repo.register_change(person_id, change_id),
        RegisterChangeNotFound,
        "No such register change for this person.",
    )
    if change.withdrawn_at is not None:
        raise AlreadyWithdrawn(f"This change was withdrawn at {change.withdrawn_at}.")
    h = await repo.history(person)
    standing = standing_changes(h.register_changes)
    if standing[-1].id != change.id:
        raise NotLatestChange(
            f"Only the latest standing change ({standing[-1].id}, {standing[-1].effective_on}) may be withdrawn: "
            "changes follow each other in time."
        )
    if change.kind == "returned":
        later = [s for s in h.stays if s.withdrawn_at is None and _end(s.end_on) > change.effective_on]
        moves = [t for t in h.transfers if t.effective_on is not None and t.effective_on >= change.effective_on]
        if later or moves:
            what = (
                f"the stay from {later[0].start_on} ({later[0].id})"
                if later
                else f"the transfer on {moves[0].effective_on}"
            )
            raise OutsideRegister(f"Without this return, {what} would lie outside the register: withdraw it first.")
    _withdraw(change, principal, data)
    _apply_register_status(person, standing[:-1])  # type: ignore[arg-type]
    await session.flush()
    await session.refresh(person)
    await session.refresh(change)
    await emit_person(
        session,
        "person.register_change_withdrawn",
        person,
        register_change_id=change.id,
        withdrawn_kind=change.kind,
        effective_on=change.effective_on,
        reason_code=change.reason_code,
    )
    return change_read(change)


# --- Work ability ---------------------------------------------------------------------------------------------------


def ability_read(c: WorkAbilityChange, superseded: bool) -> WorkAbilityChangeRead:
    return read_of(
        WorkAbilityChangeRead,
        c,
        work_ability_label_zh=PERSON_LABELS_ZH["work_ability"][c.work_ability],
        superseded=superseded,
    )


def ability_reads(changes: list[WorkAbilityChange], latest: dict[date, datetime]) -> list[WorkAbilityChangeRead]:
    """An entry is superseded by a later one for the same day (`latest`: effective_on -> newest entry's time)."""
    return [ability_read(c, latest.get(c.effective_on, c.created_at) > c.created_at) for c in changes]


async def list_ability_changes(
    session: AsyncSession, *, principal: Principal, person_id: uuid.UUID, params: PageParams
) -> tuple[list[WorkAbilityChangeRead], str | None]:
    policy.require_read(principal, "work_ability")
    await visible_person(session, principal, person_id)
    repo = HistoryRepository(session)
    rows, cursor = await repo.page_ability_changes(person_id, params)
    latest = await repo.latest_entries(person_id, sorted({c.effective_on for c in rows}))
    return ability_reads(rows, latest), cursor


async def record_ability_change(
    session: AsyncSession,
    *,
    principal: Principal,
    person_id: uuid.UUID,
    data: WorkAbilityChangeCreate,
    idempotency_key: str | None,
    today: date,
) -> Created[WorkAbilityChangeRead]:
    policy.require_write(principal, "work_ability")
    person = await visible_person(session, principal, person_id, for_write=True, dated_on=data.effective_on)

    async def write() -> WorkAbilityChangeRead:
        check_day("effective_on", data.effective_on, born=person.birth_date, today=today)
        change = WorkAbilityChange(
            person_id=person.id,
            effective_on=data.effective_on,
            work_ability=data.work_ability,
            reason=data.reason,
            created_by=principal.subject,
            created_at=datetime.now(UTC),
        )
        diff = await refresh_work_ability(session, person, today, change)
        await HistoryRepository(session).add(change)
        if diff:
            await session.flush()
            await session.refresh(person)
            await emit_person(session, "person.updated", person, fields=sorted(diff))
        await emit_work_ability_change(session, person, change)
        return ability_read(change, False)

    return await create_for_person(
        session, principal, person_id, "work-ability-changes", idempotency_key, data, WorkAbilityChangeRead, write
    )


# --- Custody and facility stays -------------------------------------------------------------------------------------


def stay_read(s: Stay) -> StayRead:
    return read_of(StayRead, s, kind_label_zh=LABELS_ZH["stay_kind"][s.kind], standing=s.withdrawn_at is None)


def stay_event_data(s: Stay) -> dict[str, object]:
    return {
        "stay_id": s.id,
        **fields_of(s, "kind", "start_on", "end_on", "for_drug_use"),
    }


async def _emit_stay(session: AsyncSession, person: Person, kind: str, stay: Stay) -> None:
    await emit_person_event(
        session,
        kind=kind,
        person_id=person.id,
        jurisdiction_code=person.jurisdiction_code,
        data=stay_event_data(stay),
    )


def _check_within_register(h: History, start: date, end: date | None) -> None:
    if not within_register(h, start, end):
        until = f"until {end}" if end is not None else "open-ended"
        raise OutsideRegister(
            f"A stay from {start} ({until}) must lie within the person's time on the register ({_spans_text(h)})."
        )


async def list_stays(
    session: AsyncSession, *, principal: Principal, person_id: uuid.UUID, params: PageParams
) -> tuple[list[StayRead], str | None]:
    policy.require_read(principal, "stays")
    await visible_person(session, principal, person_id)
    rows, cursor = await HistoryRepository(session).page_stays(person_id, params)
    return [stay_read(s) for s in rows], cursor


async def record_stay(
    session: AsyncSession,
    *,
    principal: Principal,
    person_id: uuid.UUID,
    data: StayCreate,
    idempotency_key: str | None,
    today: date,
) -> Created[StayRead]:
    policy.require_write(principal, "stays")
    # The register's own rule (within_register, below) decides for an archived record too: a stay must lie inside.
    person = await visible_person(session, principal, person_id, for_write=True, archived_ok=True)

    async def write() -> StayRead:
        if data.start_on > today:
            raise _invalid("start_on", "start_on cannot be in the future")
        if data.end_on is not None and data.end_on > today:
            raise _invalid("end_on", "end_on is the day of release: it cannot be in the future")
        repo = HistoryRepository(session)
        h = await repo.history(person)
        _check_within_register(h, data.start_on, data.end_on)
        for other in h.stays:
            overlaps = other.start_on < _end(data.end_on) and data.start_on < _end(other.end_on)
            if other.withdrawn_at is None and other.kind == data.kind and overlaps:
                raise OverlappingStay(
                    f"This {data.kind} from {data.start_on} overlaps the {other.kind} from {other.start_on} "
                    f"({other.id}); end, or withdraw, that one first."
                )
        stay = await repo.add(Stay(person_id=person.id, created_by=principal.subject, **data.model_dump()))
        await _emit_stay(session, person, "stay.recorded", stay)
        return stay_read(stay)

    return await create_for_person(session, principal, person_id, "stays", idempotency_key, data, StayRead, write)


async def _standing_stay(session: AsyncSession, person_id: uuid.UUID, stay_id: uuid.UUID) -> Stay:
    stay = or_raise(
        await HistoryRepository(session).stay(person_id, stay_id), StayNotFound, "No such stay for this person."
    )
    if stay.withdrawn_at is not None:
        raise AlreadyWithdrawn(f"This stay was withdrawn at {stay.withdrawn_at}.")
    return stay


async def end_stay(
    session: AsyncSession,
    *,
    principal: Principal,
    person_id: uuid.UUID,
    stay_id: uuid.UUID,
    data: StayEnd,
    today: date,
) -> StayRead:
    policy.require_write(principal, "stays")
    person = await visible_person(session, principal, person_id, for_write=True, archived_ok=True)
    stay = await _standing_stay(session, person_id, stay_id)
    if stay.end_on is not None:
        raise StayAlreadyEnded(
            f"This stay already ended on {stay.end_on}; to change that, withdraw it and record it again."
        )
    if data.end_on < stay.start_on:
        raise _invalid("end_on", f"end_on cannot be before the stay's start on {stay.start_on}")
    if data.end_on > today:
        raise _invalid("end_on", "end_on is the day of release: it cannot be in the future")
    _check_within_register(await HistoryRepository(session).history(person), stay.start_on, data.end_on)
    stay.end_on = data.end_on
    stay.ended_by = principal.subject
    stay.ended_at = datetime.now(UTC)
    await session.flush()
    await session.refresh(stay)
    await _emit_stay(session, person, "stay.ended", stay)
    return stay_read(stay)


async def withdraw_stay(
    session: AsyncSession, *, principal: Principal, person_id: uuid.UUID, stay_id: uuid.UUID, data: Withdrawal
) -> StayRead:
    policy.require_write(principal, "stays")
    person = await visible_person(session, principal, person_id, for_write=True, archived_ok=True)
    stay = await _standing_stay(session, person_id, stay_id)
    _withdraw(stay, principal, data)
    await session.flush()
    await session.refresh(stay)
    await _emit_stay(session, person, "stay.withdrawn", stay)
    return stay_read(stay)
