"""A person's facts as of any day, from their dated history: on the register or not (and why), jurisdiction after
transfers, work ability, custody and facility stays, the control measure in force, lost contact, and consolidation
under rule v2. Pure functions of the rows: the status endpoint, the batch lookup and the tests all use these.

Dates follow one convention: a period runs from its first day up to, not including, its end day ("an end date
belongs to what follows"): a person who dies on D is off the register on D, a person transferred on D is in the
new jurisdiction on D, someone released on D is out on D.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from registry.measures.rules import CONTROL_KINDS, add_years
from registry.measures.status import Episode, control_in_force, effective, lost_contact_on, started_by

CONSOLIDATION_RULE_VERSION = "v2"
ELIGIBILITY_VERSION = "v2"
COMMUNITY_KINDS = frozenset({"community_detox", "community_rehabilitation"})
CLOCK_ORDER_KINDS = frozenset({"community_detox", "compulsory_isolation"})
"""Control measures whose order is itself a finding of drug use, so their start restarts the clock. Community
rehabilitation after isolation is aftercare and does not; nor do facility rehabilitation, voluntary detox or a
custody measure (no drug-use finding is recorded with it; a custody stay records one with for_drug_use)."""

CONSOLIDATION_TEXT = (
    "Consolidated (戒断巩固), rule v2: on the as-of day D the person is on the register, has not lost contact, and "
    "D is on or after the consolidation clock's start plus {n} years (the anniversary counts). The clock starts on "
    "the latest of: the last positive drug test or recorded relapse (an end of a measure as escalated after relapse "
    "counts as one), and the start of the last community-detox or compulsory-isolation order or custody stay for "
    "drug use; with none of these on record, the start of the first control measure. Community rehabilitation "
    "after isolation is aftercare and does not restart the clock. Only facts dated on or before D count. Replaces "
    "v1, whose clock ran from the day after the last relapse, else the first measure's start, and which ignored "
    "new orders and whether the person was on the register. Under control: on the register on D with a control "
    "measure (community detox, community rehabilitation, compulsory isolation, facility rehabilitation or "
    "custody) started by D and not yet ended (an end date belongs to what follows). Corrected entries are "
    "replaced by their corrections; withdrawn entries do not count."
)
ON_RECORD_TEXT = (
    "On the register (在册) on D: registered on or before D; not off the register on D by a standing off-register "
    "change (died, moved out of the county, other) until a return; never on the days of a registration later "
    "removed as entered in error; never on or after a death recorded by a measure's end."
)


def eligibility_text(on: date, working_age: tuple[int, int]) -> str:
    lo, hi = working_age
    return (
        f"Eligible for placement ({ELIGIBILITY_VERSION}) on {on.isoformat()}: on the register that day, of working "
        f"age ({lo}-{hi} in whole years) that day, work ability that day able or partly able (not unable), "
        "community detox (社区戒毒) or community rehabilitation (社区康复) in force that day, and not in custody "
        "or a facility (拘留, 羁押, 住院 or another facility stay) that day."
    )


class RegisterChangeLike(Protocol):
    kind: str
    effective_on: date
    reason_code: str | None
    withdrawn_at: object


class AbilityChangeLike(Protocol):
    effective_on: date
    work_ability: str
    created_at: object


class StayLike(Protocol):
    id: object
    kind: str
    start_on: date
    end_on: date | None
    for_drug_use: bool
    withdrawn_at: object


class TransferLike(Protocol):
    from_jurisdiction_code: str
    to_jurisdiction_code: str
    effective_on: date | None
    status: str
    resolved_at: object


@dataclass
class History:
    """Everything dated about one person that an as-of answer needs (rows as stored; withdrawn and superseded ones
    included: the functions below leave them out)."""

    birth_date: date
    registered_on: date
    jurisdiction_code: str
    """Today's jurisdiction (after every accepted transfer)."""
    work_ability: str
    """Today's work ability, for a person with no recorded change (cannot happen after migration r0011)."""
    episodes: Sequence[Episode] = field(default_factory=list)
    relapse_days: Sequence[date] = field(default_factory=list)
    register_changes: Sequence[RegisterChangeLike] = field(default_factory=list)
    ability_changes: Sequence[AbilityChangeLike] = field(default_factory=list)
    stays: Sequence[StayLike] = field(default_factory=list)
    transfers: Sequence[TransferLike] = field(default_factory=list)


def standing_changes(changes: Iterable[RegisterChangeLike]) -> list[RegisterChangeLike]:
    return sorted((c for c in changes if c.withdrawn_at is None), key=lambda c: (c.effective_on, str(c.kind)))


def death_by_measure(episodes: Iterable[Episode]) -> date | None:
    return min(
        (e.actual_end_on for e in effective(episodes) if e.end_reason == "death" and e.actual_end_on), default=None
    )


def register_on(h: History, on: date) -> tuple[bool, str | None]:
    """(on the register on `on`, why not): not_yet_registered, died (a measure's end), or the reason code of the
    off-register change in force (died, moved_out_of_county, entered_in_error, other)."""
    if on < h.registered_on:
        return False, "not_yet_registered"
    death = death_by_measure(h.episodes)
    if death is not None and death <= on:
        return False, "died"
    changes = standing_changes(h.register_changes)
    before = [c for c in changes if c.effective_on <= on]
    if before and before[-1].kind == "left":
        return False, before[-1].reason_code
    after = [c for c in changes if c.effective_on > on]
    # The span that holds `on` ends with the next change, a departure: one entered in error voids the whole span.
    if after and after[0].kind == "left" and after[0].reason_code == "entered_in_error":
        return False, "entered_in_error"
    return True, None


def register_spans(h: History) -> list[tuple[date, date | None]]:
    """The periods on the register, [first day, end day) with None for open: from registration or a return up to
    the next departure; a span ended as entered in error is left out, and a death by a measure's end cuts off all."""
    spans: list[tuple[date, date | None]] = []
    start: date | None = h.registered_on
    for c in standing_changes(h.register_changes):
        if c.kind == "left" and start is not None:
            if c.reason_code != "entered_in_error":
                spans.append((start, c.effective_on))
            start = None
        elif c.kind == "returned" and start is None:
            start = c.effective_on
    if start is not None:
        spans.append((start, None))
    death = death_by_measure(h.episodes)
    if death is not None:
        spans = [(s, death if e is None or e > death else e) for s, e in spans if s < death]
    return [(s, e) for s, e in spans if e is None or s < e]


def within_register(h: History, start: date, end: date | None) -> bool:
    """Every day from `start` up to `end` (None: from `start` on, open-ended) is a day on the register."""
    return any(s <= start and (e is None or (start < e and end is not None and end <= e)) for s, e in register_spans(h))


def jurisdiction_on(h: History, on: date) -> str:
    # Two moves on one day follow each other in the order they were accepted.
    moves = sorted(
        (t for t in h.transfers if t.status == "accepted" and t.effective_on is not None),
        key=lambda t: (t.effective_on, t.resolved_at),
    )
    if not moves:
        return h.jurisdiction_code
    done = [t for t in moves if t.effective_on <= on]  # type: ignore[operator]
    return done[-1].to_jurisdiction_code if done else moves[0].from_jurisdiction_code


def work_ability_on(h: History, on: date) -> str:
    """The latest change in force on `on` (a later entry for the same day wins); before the first change, the first
    assessment reaches back."""
    changes = sorted(h.ability_changes, key=lambda c: (c.effective_on, c.created_at))
    if not changes:
        return h.work_ability
    done = [c for c in changes if c.effective_on <= on]
    return done[-1].work_ability if done else changes[0].work_ability


def stay_in_force(stay: StayLike, on: date) -> bool:
    return stay.withdrawn_at is None and stay.start_on <= on and (stay.end_on is None or on < stay.end_on)


def stays_on(h: History, on: date) -> list[StayLike]:
    return sorted((s for s in h.stays if stay_in_force(s, on)), key=lambda s: s.start_on)


@dataclass(frozen=True)
class Clock:
    start_on: date
    reason: str
    """positive_test, relapse (an escalation after relapse), the kind of the order (community_detox,
    compulsory_isolation), custody_for_drug_use, or first_measure (none of these on record)."""


def consolidation_clock(h: History, on: date) -> Clock | None:
    """Rule v2's clock start as known on `on` (only facts dated on or before it count)."""
    known = started_by(h.episodes, on)
    candidates: list[Clock] = [Clock(d, "positive_test") for d in h.relapse_days if d <= on]
    candidates += [
        Clock(e.actual_end_on, "relapse")
        for e in known
        if e.end_reason == "escalated_after_relapse" and e.actual_end_on is not None and e.actual_end_on <= on
    ]
    candidates += [Clock(e.start_on, e.kind) for e in known if e.kind in CLOCK_ORDER_KINDS]
    candidates += [
        Clock(s.start_on, "custody_for_drug_use")
        for s in h.stays
        if s.withdrawn_at is None and s.for_drug_use and s.start_on <= on
    ]
    if candidates:
        return max(candidates, key=lambda c: c.start_on)
    first = next((e for e in known if e.kind in CONTROL_KINDS), None)
    return Clock(first.start_on, "first_measure") if first is not None else None


def last_relapse_on(h: History, on: date) -> date | None:
    days = [d for d in h.relapse_days if d <= on]
    days += [
        e.actual_end_on
        for e in started_by(h.episodes, on)
        if e.end_reason == "escalated_after_relapse" and e.actual_end_on is not None and e.actual_end_on <= on
    ]
    return max(days, default=None)


@dataclass(frozen=True)
class AsOf:
    on: date
    on_record: bool
    off_register_reason: str | None
    jurisdiction_code: str
    work_ability: str
    measure_in_force: Episode | None
    """The control measure in force that day; None whenever the person is off the register."""
    community_measure_in_force: bool
    under_control: bool
    lost_contact: bool
    stays: list[StayLike]
    last_relapse_on: date | None
    clock: Clock | None
    consolidated_from: date | None
    """The day the clock reaches N years, if nothing restarts it."""
    consolidated: bool
    consolidation_years: int

    @property
    def in_custody_or_facility(self) -> bool:
        return bool(self.stays)


def as_of(h: History, on: date, *, consolidation_years: int) -> AsOf:
    on_record, reason = register_on(h, on)
    measure = control_in_force(h.episodes, on) if on_record else None
    lost = on_record and lost_contact_on(started_by(h.episodes, on), on)
    clock = consolidation_clock(h, on)
    consolidated_from = add_years(clock.start_on, consolidation_years) if clock is not None else None
    return AsOf(
        on=on,
        on_record=on_record,
        off_register_reason=reason,
        jurisdiction_code=jurisdiction_on(h, on),
        work_ability=work_ability_on(h, on),
        measure_in_force=measure,
        community_measure_in_force=measure is not None and measure.kind in COMMUNITY_KINDS,
        under_control=measure is not None,
        lost_contact=lost,
        stays=stays_on(h, on),
        last_relapse_on=last_relapse_on(h, on),
        clock=clock,
        consolidated_from=consolidated_from,
        consolidated=on_record and not lost and consolidated_from is not None and on >= consolidated_from,
        consolidation_years=consolidation_years,
    )


def age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def eligible(h: History, facts: AsOf, working_age: tuple[int, int]) -> bool:
    lo, hi = working_age
    return (
        facts.on_record
        and lo <= age_on(h.birth_date, facts.on) <= hi
        and facts.work_ability in ("able", "partly")
        and facts.community_measure_in_force
        and not facts.in_custody_or_facility
    )


def measure_history(episodes: Iterable[Episode]) -> list[Episode]:
    """The standing episodes (corrections applied), in start order."""
    return sorted(effective(episodes), key=lambda e: (e.start_on, e.actual_end_on or date.max))


def released_from_isolation_on(episodes: Iterable[Episode], on: date) -> date | None:
    """When no control measure is in force on `on`: the end of the last control measure if that was a completed
    compulsory isolation; else None."""
    if control_in_force(episodes, on) is not None:
        return None
    ended = [
        e
        for e in effective(episodes)
        if e.kind in CONTROL_KINDS and e.start_on <= on and e.actual_end_on is not None and e.actual_end_on <= on
    ]
    if not ended:
        return None
    last = max(ended, key=lambda e: (e.start_on, e.actual_end_on))
    if last.kind == "compulsory_isolation" and last.end_reason == "completed":
        return last.actual_end_on
    return None
