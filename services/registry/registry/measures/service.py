"""Rules for control measures: defaults by kind, sane dates, no contradictory overlaps, allowed transitions, ending
once, corrections as new rows; and the derived control status."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from registry.events import emit_person_event
from registry.history import asof
from registry.history.repository import HistoryRepository
from registry.history.schemas import LABELS_ZH as STAY_LABELS_ZH
from registry.idempotency import create_for_person
from registry.measures import policy
from registry.measures.exceptions import (
    InvalidMeasure,
    MeasureAlreadyEnded,
    MeasureNotFound,
    MeasureSuperseded,
    OverlappingMeasure,
    TransitionNotAllowed,
)
from registry.measures.models import ControlMeasure
from registry.measures.repository import MeasureRepository
from registry.measures.rules import CONTROL_KINDS, KIND_RULES, LABELS_ZH, add_years, transition_allowed
from registry.measures.schemas import (
    ConsolidationClock,
    CurrentMeasureRead,
    MeasureCorrection,
    MeasureCreate,
    MeasureEnd,
    MeasureRead,
    StatusDefinition,
    StatusRead,
    StayBrief,
)
from registry.measures.status import effective
from registry.persons.models import Person
from registry.persons.service import visible_person
from shared.auth import Principal
from shared.errors import FieldError
from shared.idempotency import Created
from shared.pagination import PageParams
from shared.query import or_raise
from shared.reads import fields_of, read_of


@dataclass(frozen=True)
class Candidate:
    """An episode as it would be stored, checked before it is."""

    id: uuid.UUID | None
    kind: str
    start_on: date
    planned_end_on: date | None
    actual_end_on: date | None
    end_reason: str | None


def to_read(measure: ControlMeasure, corrected_by: uuid.UUID | None) -> MeasureRead:
    return read_of(
        MeasureRead,
        measure,
        kind_label_zh=LABELS_ZH["kind"][measure.kind],
        end_reason_label_zh=LABELS_ZH["end_reason"][measure.end_reason] if measure.end_reason else None,
        corrected_by_id=corrected_by,
        in_force=corrected_by is None,
    )


def _invalid(field: str, message: str) -> InvalidMeasure:
    return InvalidMeasure(message, errors=[FieldError(field=f"body.{field}", message=message)])


def _with_defaults(data: MeasureCreate) -> Candidate:
    rule = KIND_RULES[data.kind]
    planned = data.planned_end_on
    if planned is None and rule.default_term_years is not None:
        planned = add_years(data.start_on, rule.default_term_years)
    return Candidate(None, data.kind, data.start_on, planned, data.actual_end_on, data.end_reason)


def _end(e: Candidate | ControlMeasure) -> date:
    return e.actual_end_on or date.max


def check_episode(candidate: Candidate, others: list[ControlMeasure], *, today: date) -> None:
    """Refuse an episode whose dates are not sane, that contradicts another episode in force, or that does not
    follow (or is not followed by) its neighbours as the transition table allows."""
    c = candidate
    rule = KIND_RULES[c.kind]
    if c.start_on > today:
        raise _invalid("start_on", "start_on cannot be in the future")
    if c.planned_end_on is not None and c.planned_end_on < c.start_on:
        raise _invalid("planned_end_on", "planned_end_on cannot be before start_on")
    if c.actual_end_on is not None:
        if c.actual_end_on < c.start_on:
            raise _invalid("actual_end_on", "actual_end_on cannot be before start_on")
        if c.actual_end_on > today:
            raise _invalid("actual_end_on", "actual_end_on cannot be in the future")
    if rule.max_term_years is not None:
        longest = add_years(c.start_on, rule.max_term_years)
        for field, value in (("planned_end_on", c.planned_end_on), ("actual_end_on", c.actual_end_on)):
            if value is not None and value > longest:
                raise _invalid(field, f"{field} cannot be more than {rule.max_term_years} years after start_on")

    in_force = [e for e in effective(others) if e.id != c.id]
    same_group = [e for e in in_force if (e.kind in CONTROL_KINDS) == (c.kind in CONTROL_KINDS)]
    # An end date belongs to what follows, so one measure may end on the day the next starts.
    for e in same_group:
        if e.start_on < _end(c) and c.start_on < _end(e) and c.start_on < _end(c) and e.start_on < _end(e):
            raise OverlappingMeasure(
                f"This {c.kind} from {c.start_on} overlaps the {e.kind} from {e.start_on} ({e.id}); end or correct "
                "that one first."
            )
    if c.kind not in CONTROL_KINDS:
        return
    control = sorted((e for e in in_force if e.kind in CONTROL_KINDS), key=lambda e: (e.start_on, _end(e)))
    before = [e for e in control if _end(e) <= c.start_on]
    after = [e for e in control if e.start_on >= _end(c)]
    if before and not transition_allowed(before[-1].kind, before[-1].end_reason, c.kind):
        prev = before[-1]
        raise TransitionNotAllowed(
            f"A {c.kind} cannot follow a {prev.kind} that ended with {prev.end_reason} ({prev.id})."
        )
    if after and not transition_allowed(c.kind, c.end_reason, after[0].kind):
        raise TransitionNotAllowed(
            f"A {after[0].kind} ({after[0].id}) cannot follow a {c.kind} that ended with {c.end_reason}."
        )


async def list_measures(
    session: AsyncSession, *, principal: Principal, person_id: uuid.UUID, params: PageParams
) -> tuple[list[MeasureRead], str | None]:
    policy.require_read(principal, "measures")
    await visible_person(session, principal, person_id)
    repo = MeasureRepository(session)
    rows, cursor = await repo.page(person_id, params)
    corrected_by = await repo.corrections_of([m.id for m in rows])
    return [to_read(m, corrected_by.get(m.id)) for m in rows], cursor


async def _insert(
    session: AsyncSession,
    *,
    principal: Principal,
    person: Person,
    data: MeasureCreate,
    corrects: ControlMeasure | None,
    reason: str | None,
    today: date,
) -> MeasureRead:
    repo = MeasureRepository(session)
    candidate = _with_defaults(data)
    if corrects is not None:
        candidate = replace(candidate, id=corrects.id)
    check_episode(candidate, await repo.all_of(person.id), today=today)
    measure = await repo.add(
        ControlMeasure(
            person_id=person.id,
            kind=candidate.kind,
            start_on=candidate.start_on,
            planned_end_on=candidate.planned_end_on,
            actual_end_on=candidate.actual_end_on,
            end_reason=candidate.end_reason,
            decision_number=data.decision_number,
            issuing_authority=data.issuing_authority,
            corrects_id=corrects.id if corrects is not None else None,
            correction_reason=reason,
            created_by=principal.subject,
        )
    )
    await emit_measure(session, "measure.corrected" if corrects is not None else "measure.created", person, measure)
    return to_read(measure, None)


async def emit_measure(session: AsyncSession, kind: str, person: Person, measure: ControlMeasure) -> None:
    await emit_person_event(
        session,
        kind=kind,
        person_id=person.id,
        jurisdiction_code=person.jurisdiction_code,
        data=measure_event_data(measure),
    )


def measure_event_data(measure: ControlMeasure) -> dict[str, object]:
    return {
        "measure_id": measure.id,
        **fields_of(measure, "kind", "start_on", "planned_end_on", "actual_end_on", "end_reason", "corrects_id"),
    }


async def create_measure(
    session: AsyncSession,
    *,
    principal: Principal,
    person_id: uuid.UUID,
    data: MeasureCreate,
    idempotency_key: str | None,
    today: date,
) -> Created[MeasureRead]:
    policy.require_write(principal, "measures")
    person = await visible_person(session, principal, person_id, for_write=True, dated_on=data.start_on)
    return await create_for_person(
        session,
        principal,
        person_id,
        "measures",
        idempotency_key,
        data,
        MeasureRead,
        lambda: _insert(
            session, principal=principal, person=person, data=data, corrects=None, reason=None, today=today
        ),
    )


async def _current_row(session: AsyncSession, person_id: uuid.UUID, measure_id: uuid.UUID) -> ControlMeasure:
    repo = MeasureRepository(session)
    measure = or_raise(
        await repo.get(person_id, measure_id, for_update=True), MeasureNotFound, "No such measure for this person."
    )
    correction = await repo.correction_of(measure.id)
    if correction is not None:
        raise MeasureSuperseded(f"This entry was corrected by {correction.id}; act on that one.")
    return measure


async def correct_measure(
    session: AsyncSession,
    *,
    principal: Principal,
    person_id: uuid.UUID,
    measure_id: uuid.UUID,
    data: MeasureCorrection,
    idempotency_key: str | None,
    today: date,
) -> Created[MeasureRead]:
    policy.require_write(principal, "measures")
    person = await visible_person(session, principal, person_id, for_write=True, dated_on=data.start_on)

    async def write() -> MeasureRead:
        corrected = await _current_row(session, person_id, measure_id)
        fields = MeasureCreate.model_validate(data.model_dump(exclude={"reason"}))
        return await _insert(
            session,
            principal=principal,
            person=person,
            data=fields,
            corrects=corrected,
            reason=data.reason,
            today=today,
        )

    # The replay comes before the "already corrected" check: a retry of this very correction gets its first answer.
    corrections = f"measures/{measure_id}/corrections"
    return await create_for_person(
        session, principal, person_id, corrections, idempotency_key, data, MeasureRead, write
    )


async def end_measure(
    session: AsyncSession,
    *,
    principal: Principal,
    person_id: uuid.UUID,
    measure_id: uuid.UUID,
    data: MeasureEnd,
    today: date,
) -> MeasureRead:
    policy.require_write(principal, "measures")
    person = await visible_person(session, principal, person_id, for_write=True, dated_on=data.actual_end_on)
    measure = await _current_row(session, person_id, measure_id)
    if measure.actual_end_on is not None:
        raise MeasureAlreadyEnded(
            f"This measure already ended on {measure.actual_end_on} ({measure.end_reason}); to change that, "
            "send a correction."
        )
    candidate = Candidate(
        measure.id, measure.kind, measure.start_on, measure.planned_end_on, data.actual_end_on, data.end_reason
    )
    check_episode(candidate, await MeasureRepository(session).all_of(person_id), today=today)
    measure.actual_end_on = data.actual_end_on
    measure.end_reason = data.end_reason
    measure.ended_by = principal.subject
    measure.ended_at = datetime.now(UTC)
    await session.flush()
    await session.refresh(measure)
    await emit_measure(session, "measure.ended", person, measure)
    return to_read(measure, None)


async def derived_status(
    session: AsyncSession,
    *,
    principal: Principal,
    person_id: uuid.UUID,
    as_of: date,
    consolidation_years: int,
    working_age: tuple[int, int],
) -> StatusRead:
    policy.require_read(principal, "status")
    person = await visible_person(session, principal, person_id)
    h = await HistoryRepository(session).history(person)
    facts = asof.as_of(h, as_of, consolidation_years=consolidation_years)
    current = facts.measure_in_force
    clock = facts.clock
    return read_of(
        StatusRead,
        facts,
        person_id=person_id,
        as_of=as_of,
        registered_on=person.registered_on,
        current_measure=CurrentMeasureRead(
            id=current.id,
            kind=current.kind,
            kind_label_zh=LABELS_ZH["kind"][current.kind],
            since=current.start_on,
            planned_end_on=current.planned_end_on,
        )
        if current
        else None,
        stays=[read_of(StayBrief, s, kind_label_zh=STAY_LABELS_ZH["stay_kind"][s.kind]) for s in facts.stays],
        abstinent_since=clock.start_on if clock else None,
        consolidation_clock=ConsolidationClock(
            start_on=clock.start_on, reason=clock.reason, consolidated_from=facts.consolidated_from
        )
        if clock and facts.consolidated_from
        else None,
        eligible_for_placement=asof.eligible(h, facts, working_age),
        definition=StatusDefinition(
            rule_version=asof.CONSOLIDATION_RULE_VERSION,
            consolidation_years=consolidation_years,
            text=asof.CONSOLIDATION_TEXT.format(n=consolidation_years),
            on_record_text=asof.ON_RECORD_TEXT,
        ),
    )
