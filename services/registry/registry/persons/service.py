"""Rules for people's records: ID numbers, duplicates, jurisdiction, field permissions, archiving."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from registry.events import BIRTH_DATE_KINDS, emit_person_event
from registry.history.asof import age_on
from registry.history.models import WorkAbilityChange
from registry.history.repository import HistoryRepository
from registry.idempotency import store as idempotency
from registry.persons import national_id, policy
from registry.persons.crypto import IdNumberCipher
from registry.persons.exceptions import (
    IdNumberRejected,
    NoPersonAccess,
    OutsideJurisdiction,
    PersonArchived,
    PersonExists,
    PersonNotFound,
    PossibleDuplicate,
)
from registry.persons.models import Person
from registry.persons.repository import PersonFilter, PersonRepository
from registry.persons.schemas import LABELS_ZH, DuplicateCandidate, PersonCreate, PersonRead, PersonUpdate
from shared.auth import Principal
from shared.concurrency import require_version
from shared.db import violated_constraint
from shared.errors import FieldError, InvalidInput
from shared.idempotency import Created
from shared.pagination import PageParams
from shared.query import or_raise
from shared.reads import apply_changes, fields_of, read_of
from shared.reference import JURISDICTIONS

CREATE_OPERATION = "POST /api/v1/persons"
ID_HASH_CONSTRAINT = "uq_person_id_number_hash"


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, errors=[FieldError(field=f"body.{field}", message=message)])


def check_day(field: str, day: date, *, born: date, today: date) -> None:
    """A dated fact about a person: not in the future, not before their birth."""
    if day > today:
        raise _invalid(field, f"{field} cannot be in the future")
    if day < born:
        raise _invalid(field, f"{field} cannot be before the person's birth date")


def to_read(person: Person) -> PersonRead:
    return read_of(
        PersonRead,
        person,
        gender_label_zh=LABELS_ZH["gender"][person.gender],
        age=age_on(person.birth_date, date.today()),
        jurisdiction_name_zh=JURISDICTIONS[person.jurisdiction_code][0],
        skills=list(person.skills or []),
        work_ability_label_zh=LABELS_ZH["work_ability"][person.work_ability],
    )


def parse_id_number(raw: str) -> national_id.IdNumber:
    try:
        return national_id.parse(raw)
    except national_id.InvalidIdNumber as exc:
        raise IdNumberRejected(str(exc), errors=[FieldError(field="body.id_number", message=str(exc))]) from exc


def _one_char_apart(a: str, b: str) -> bool:
    return len(a) == len(b) and a != b and sum(x != y for x, y in zip(a, b, strict=True)) == 1


async def possible_duplicates(
    session: AsyncSession, *, name: str, birth_date: date, jurisdiction_code: str, visible_in: str | None
) -> list[DuplicateCandidate]:
    """Same name and birth date anywhere, or a name one character apart in the same jurisdiction. Only the
    candidates the caller may see are named."""
    repo = PersonRepository(session)
    found: dict[uuid.UUID, DuplicateCandidate] = {}
    for p in await repo.same_name_and_birth_date(name, birth_date):
        found[p.id] = read_of(DuplicateCandidate, p, reason="same_name_and_birth_date")
    for p in await repo.same_surname_in(jurisdiction_code, name):
        if p.id not in found and _one_char_apart(p.name, name):
            found[p.id] = read_of(DuplicateCandidate, p, reason="similar_name_same_jurisdiction")
    return [c for c in found.values() if visible_in is None or c.jurisdiction_code == visible_in]


async def create_person(
    session: AsyncSession,
    *,
    principal: Principal,
    data: PersonCreate,
    cipher: IdNumberCipher,
    idempotency_key: str | None,
    today: date,
) -> Created[PersonRead]:
    policy.require_create(principal)
    own = policy.visible_jurisdiction(principal)
    jurisdiction_code = or_raise(
        data.jurisdiction_code or own,
        InvalidInput,
        "jurisdiction_code is required.",
        errors=[FieldError(field="body.jurisdiction_code", message="Field required for county-wide staff")],
    )
    if jurisdiction_code not in JURISDICTIONS:
        raise InvalidInput(
            "Unknown jurisdiction.",
            errors=[FieldError(field="body.jurisdiction_code", message=f"must be one of {', '.join(JURISDICTIONS)}")],
        )
    if own is not None and jurisdiction_code != own:
        raise OutsideJurisdiction("You may only register people in your own jurisdiction.")
    parsed = parse_id_number(data.id_number)
    # The key remembers the normalised request, so a retry typed with full-width digits is the same request.
    payload = data.model_dump(mode="json") | {"id_number": cipher.lookup_hash(parsed.value)}
    return await idempotency.create(
        session,
        principal.subject,
        idempotency_key,
        CREATE_OPERATION,
        payload,
        PersonRead,
        lambda: _register(
            session,
            principal=principal,
            data=data,
            cipher=cipher,
            parsed=parsed,
            own=own,
            jurisdiction_code=jurisdiction_code,
            today=today,
        ),
    )


async def _register(
    session: AsyncSession,
    *,
    principal: Principal,
    data: PersonCreate,
    cipher: IdNumberCipher,
    parsed: national_id.IdNumber,
    own: str | None,
    jurisdiction_code: str,
    today: date,
) -> PersonRead:
    """A new person's record, their first work-ability period, and the events that announce both."""
    repo = PersonRepository(session)
    id_hash = cipher.lookup_hash(parsed.value)
    existing = await repo.by_id_hash(id_hash)
    if existing is not None:
        raise _exists(existing, own)
    if not data.confirm_not_duplicate:
        candidates = await possible_duplicates(
            session, name=data.name, birth_date=parsed.birth_date, jurisdiction_code=jurisdiction_code, visible_in=own
        )
        if candidates:
            raise PossibleDuplicate(
                f"Possibly already registered: {', '.join(f'{c.name} ({c.id})' for c in candidates)}. If not, send "
                "the request again with confirm_not_duplicate=true.",
            )
    registered_on = data.registered_on or today
    check_day("registered_on", registered_on, born=parsed.birth_date, today=today)
    ability_since = data.work_ability_since or registered_on
    check_day("work_ability_since", ability_since, born=parsed.birth_date, today=today)
    fields = data.model_dump(
        exclude={"id_number", "jurisdiction_code", "confirm_not_duplicate", "registered_on", "work_ability_since"},
        exclude_none=True,
    )
    person = Person(
        **fields,
        gender=parsed.gender,
        birth_date=parsed.birth_date,
        id_number_cipher=cipher.encrypt(parsed.value),
        id_number_hash=id_hash,
        id_number_masked=parsed.masked,
        jurisdiction_code=jurisdiction_code,
        registered_on=registered_on,
        work_ability_since=ability_since,
        status="active",
    )
    try:
        async with session.begin_nested():
            person = await repo.add(person)
    except IntegrityError as exc:
        if violated_constraint(exc) == ID_HASH_CONSTRAINT:
            raise PersonExists("A person with this ID number is already registered.") from exc
        raise
    first_ability = await HistoryRepository(session).add(
        WorkAbilityChange(
            person_id=person.id,
            effective_on=ability_since,
            work_ability=person.work_ability,
            reason=person.work_ability_reason,
            created_by=principal.subject,
        )
    )
    await emit_person(session, "person.created", person)
    await emit_work_ability_change(session, person, first_ability)
    return to_read(person)


def person_event_data(person: Person, **extra: object) -> dict[str, object]:
    """What every person.* event says about the person (schema v2; the registration events add birth_date): codes
    and dates, never names, ID numbers, contacts or free text."""
    data: dict[str, object] = {
        **fields_of(person, "status", "version", "registered_on", "gender"),
        "birth_year": person.birth_date.year,
        **fields_of(person, "work_ability", "work_ability_since", "archived_on", "archive_reason_code"),
    }
    return data | extra


async def emit_person(session: AsyncSession, kind: str, person: Person, **extra: object) -> None:
    data = person_event_data(person, **extra)
    if kind in BIRTH_DATE_KINDS:
        data["birth_date"] = person.birth_date
    await emit_person_event(
        session, kind=kind, person_id=person.id, jurisdiction_code=person.jurisdiction_code, data=data
    )


def _exists(existing: Person, own: str | None) -> PersonExists:
    if own is None or existing.jurisdiction_code == own:
        return PersonExists(f"A person with this ID number is already registered: {existing.id}.")
    # Someone registered elsewhere does not exist for this caller: say only that the number is taken.
    return PersonExists("A person with this ID number is already registered in another jurisdiction.")


async def visible_person(
    session: AsyncSession,
    principal: Principal,
    person_id: uuid.UUID,
    *,
    for_write: bool = False,
    dated_on: date | None = None,
    archived_ok: bool = False,
) -> Person:
    """For a person's sub-records (measures, tests, support, treatment, welfare): the person if the caller's
    jurisdiction covers them (else 404: people outside it do not exist for the caller). A write locks the person's
    row, so two writers of one person's history check their rules one after the other; archived records are
    read-only, except for history dated up to the day the person left the register (`dated_on`: back-entered
    paper records) and for the register's own changes (`archived_ok`: a return, a withdrawal)."""
    person = or_raise(
        await PersonRepository(session).get(
            person_id, jurisdiction=policy.visible_jurisdiction(principal), for_update=for_write
        ),
        PersonNotFound,
        "No such person.",
    )
    back_entry = dated_on is not None and person.archived_on is not None and dated_on <= person.archived_on
    if for_write and person.status == "archived" and not archived_ok and not back_entry:
        raise PersonArchived(
            "An archived record cannot be changed"
            + (f" after the day it left the register ({person.archived_on})." if person.archived_on else ".")
        )
    return person


async def get_person(session: AsyncSession, *, principal: Principal, person_id: uuid.UUID) -> Person:
    policy.grant_of(principal)
    return or_raise(
        await PersonRepository(session).get(person_id, jurisdiction=policy.visible_jurisdiction(principal)),
        PersonNotFound,
        "No such person.",
    )


async def find_by_id_number(session: AsyncSession, *, principal: Principal, raw: str, cipher: IdNumberCipher) -> Person:
    policy.grant_of(principal)
    person = await PersonRepository(session).by_id_hash(cipher.lookup_hash(parse_id_number(raw).value))
    own = policy.visible_jurisdiction(principal)
    if person is None or (own is not None and person.jurisdiction_code != own):
        raise PersonNotFound("No person you may see has this ID number.")
    return person


async def list_persons(
    session: AsyncSession, *, principal: Principal, filters: PersonFilter, params: PageParams, sort: str
) -> tuple[list[Person], str | None]:
    policy.grant_of(principal)
    return await PersonRepository(session).page(
        filters, params, jurisdiction=policy.visible_jurisdiction(principal), sort=sort
    )


async def update_person(
    session: AsyncSession,
    *,
    principal: Principal,
    person_id: uuid.UUID,
    data: PersonUpdate,
    if_match: str | None,
    today: date,
) -> tuple[Person, dict[str, dict[str, object]]]:
    changes = data.model_dump(exclude_unset=True)
    policy.require_fields(principal, set(changes))
    person = or_raise(
        await PersonRepository(session).get(
            person_id, jurisdiction=policy.visible_jurisdiction(principal), for_update=True
        ),
        PersonNotFound,
        "No such person.",
    )
    require_version(if_match, person.version)
    if person.status == "archived":
        raise PersonArchived("An archived record cannot be changed.")
    if changes.get("work_ability_since") is not None and changes.get("work_ability") is None:
        raise _invalid("work_ability_since", "work_ability_since goes with work_ability: the day the new value applies")
    ability = changes.get("work_ability", person.work_ability)
    reason = changes.get("work_ability_reason", person.work_ability_reason)
    if ability != "able" and not reason:
        raise _invalid(
            "work_ability_reason", "work_ability_reason is required when work ability is partly or fully lost"
        )
    if changes.get("registered_on") is not None:
        await _check_registration_day(session, person, changes["registered_on"], today)
    new_ability = changes.pop("work_ability", None)
    ability_since = changes.pop("work_ability_since", None) or today
    if changes.get("registered_on", "") is None:
        del changes["registered_on"]  # the registration day may be corrected, never cleared
    diff = _as_diff(apply_changes(person, changes))
    recorded: WorkAbilityChange | None = None
    if new_ability is not None and (
        new_ability != person.work_ability or "work_ability_since" in data.model_fields_set
    ):
        check_day("work_ability_since", ability_since, born=person.birth_date, today=today)
        recorded = WorkAbilityChange(
            person_id=person.id,
            effective_on=ability_since,
            work_ability=new_ability,
            reason=reason if new_ability != "able" else changes.get("work_ability_reason"),
            created_by=principal.subject,
            created_at=datetime.now(UTC),
        )
        diff |= await refresh_work_ability(session, person, today, recorded)
        await HistoryRepository(session).add(recorded)
    if diff:
        await session.flush()
        await session.refresh(person)
        await emit_person(session, "person.updated", person, fields=sorted(diff))
    if recorded is not None:
        await emit_work_ability_change(session, person, recorded)
    return person, diff


async def _check_registration_day(session: AsyncSession, person: Person, day: date, today: date) -> None:
    """A corrected registration day: a real day of the person's life, and before everything that needs them on the
    register (off-register changes, accepted transfers, stays)."""
    check_day("registered_on", day, born=person.birth_date, today=today)
    history = await HistoryRepository(session).history(person)
    later = [
        (c.effective_on, "an off-register change")
        for c in history.register_changes
        if c.withdrawn_at is None and c.effective_on < day
    ]
    later += [
        (t.effective_on, "an accepted transfer") for t in history.transfers if t.effective_on and t.effective_on < day
    ]
    later += [
        (s.start_on, "a custody or facility stay") for s in history.stays if s.withdrawn_at is None and s.start_on < day
    ]
    if later:
        first, what = min(later)
        raise _invalid("registered_on", f"registered_on cannot be after {what} dated {first}")


async def refresh_work_ability(
    session: AsyncSession, person: Person, today: date, new: WorkAbilityChange
) -> dict[str, dict[str, object]]:
    """Set the person's cached work ability (and the day it applies from) to what the dated changes, with `new`
    (not yet added), say today; the fields that changed, as old/new. Nothing is flushed, so the person's version goes
    up once, with the caller's flush."""
    with session.no_autoflush:
        changes = [*await HistoryRepository(session).ability_changes(person.id), new]
    done = [c for c in changes if c.effective_on <= today] or changes[:1]
    latest = max(done, key=lambda c: (c.effective_on, c.created_at))
    new = {"work_ability": latest.work_ability, "work_ability_since": latest.effective_on}
    if latest.work_ability != "able" or person.work_ability != latest.work_ability:
        new["work_ability_reason"] = latest.reason
    return _as_diff(apply_changes(person, new))


def _as_diff(changed: dict[str, tuple[object, object]]) -> dict[str, dict[str, object]]:
    """The changes `apply_changes` made, as the person's event and trail record them: field: {old, new}."""
    return {field: {"old": old, "new": new} for field, (old, new) in changed.items()}


async def emit_work_ability_change(session: AsyncSession, person: Person, change: WorkAbilityChange) -> None:
    await emit_person_event(
        session,
        kind="work_ability.changed",
        person_id=person.id,
        jurisdiction_code=person.jurisdiction_code,
        data={
            "work_ability_change_id": change.id,
            "work_ability": change.work_ability,
            "effective_on": change.effective_on,
        },
    )


def reveal_id_number(principal: Principal, person: Person, cipher: IdNumberCipher) -> str:
    if not policy.can_unmask(principal):
        raise NoPersonAccess("Your department may not see full ID numbers.")
    return cipher.decrypt(person.id_number_cipher)
