"""Indicator definition v1 as code: from one person's dated facts to the days on which they count for each indicator.

The result is a list of intervals [valid_from, valid_to) (valid_to None: open-ended), each with the person's
jurisdiction and a set of flags, one per thing an indicator counts. Every date at which something can change is
known in advance (a birthday, the consolidation anniversary, a measure's end), so the intervals reach into the future
and nothing has to be re-derived because a day has passed. Pure functions: no database, no clock.

The rules, as the county adopted them (issue 10; registry rule v2 for consolidation, issue 13):
- On record on D: within a span on the record, as the registry draws them: from registration (or a dated return) up
  to the next dated departure (died, moved out of the county, other); a span whose departure is "entered in error"
  never counts; a measure that ended by death or moving out takes the person off from its end date.
- Jurisdiction on D: the registration's jurisdiction, then each transfer from its effective date (a transfer on D
  counts in the destination on D).
- A measure is in force on D when start_on <= D < actual_end_on: the end date belongs to what follows (a measure
  ending on D is not in force on D). Corrected entries are replaced by their corrections.
- Controlled: on record, a control measure in force (community detox, community rehabilitation, compulsory
  isolation, facility rehabilitation, custody) and not lost contact.
- Consolidated (rule v2, N years): on record, not lost contact, and D >= clock start + N years (the anniversary
  counts); the clock starts at the latest positive test, relapse (a measure ended by escalation after relapse counts
  as one on its end date), or start of a community-detox, compulsory-isolation or custody-for-drug-use order.
  Community rehabilitation after isolation does not restart it. With none of these dated by D, the clock starts at
  the first control measure's start (as the registry's rule v2 reads it).
- Community: on record with community detox or community rehabilitation in force (placement rate's denominator up to
  2012-12-31). Eligible (from 2013): community, aged min_age..max_age-1 on D (a person is N years old from their N-th
  birthday), work ability on D not "unable", not in custody or a facility on D (a stay or a measure of those kinds).
- Placed: a placement in force on D (any route, self-employment included), start_on <= D < end_on.
- Training coverage base on D (year Y of D): eligible on some day of Y up to D and placed on no day of Y up to D;
  trained: the base and at least two trainings dated in Y up to D.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Final

DEFINITION_VERSION: Final = 1
CONSOLIDATION_RULE: Final = "consolidation-v2"

CONTROL_KINDS: Final = frozenset(
    {"community_detox", "community_rehabilitation", "compulsory_isolation", "facility_rehabilitation", "custody"}
)
COMMUNITY_KINDS: Final = frozenset({"community_detox", "community_rehabilitation"})
CONFINED_KINDS: Final = frozenset({"compulsory_isolation", "facility_rehabilitation", "custody"})
"""Measures that keep a person in custody or a facility (not eligible for placement while they run)."""
CLOCK_ORDER_KINDS: Final = frozenset({"community_detox", "compulsory_isolation"})
"""Orders that are themselves a finding of drug use and restart the consolidation clock (custody only when it is
for drug use)."""
OFF_REGISTER_END_REASONS: Final = frozenset({"death", "moved_away"})
ERROR_REASONS: Final = frozenset({"entered_in_error", "error", "removed_as_error", "archived_in_error"})
"""A departure for one of these reasons voids the span on the record it ends (the registry's rule)."""

# Flags of an interval (a bit each).
ON_RECORD: Final = 1
CONTROLLED: Final = 2
CONSOLIDATED: Final = 4
COMMUNITY: Final = 8
ELIGIBLE: Final = 16
PLACED: Final = 32
"""Placed and in community detox or rehabilitation (placed people outside the programme count for nothing)."""
COVERAGE_BASE: Final = 64
COVERAGE_TRAINED: Final = 128

# Bits of a day's state in derive (what is in force that day), private to it.
_RECORD, _LOST, _PLACED, _STAY, _CONTROL, _COMMUNITY, _CONFINED = 1, 2, 4, 8, 16, 32, 64
_KIND_BITS: Final = {
    kind: (_CONTROL if kind in CONTROL_KINDS else 0)
    | (_COMMUNITY if kind in COMMUNITY_KINDS else 0)
    | (_CONFINED if kind in CONFINED_KINDS else 0)
    for kind in CONTROL_KINDS | COMMUNITY_KINDS | CONFINED_KINDS
}

FLAG_NAMES: Final = {
    ON_RECORD: "on_record",
    CONTROLLED: "controlled",
    CONSOLIDATED: "consolidated",
    COMMUNITY: "community",
    ELIGIBLE: "eligible",
    PLACED: "placed",
    COVERAGE_BASE: "coverage_base",
    COVERAGE_TRAINED: "coverage_trained",
}


@dataclass(frozen=True, slots=True)
class RuleConfig:
    consolidation_years: int = 3
    min_age: int = 16
    max_age: int = 60
    """Eligible up to the day before this birthday (aged 16-59 by default)."""


@dataclass(frozen=True, slots=True)
class Measure:
    measure_id: object
    kind: str
    start_on: date
    actual_end_on: date | None = None
    end_reason: str | None = None
    corrects_id: object | None = None


@dataclass(frozen=True, slots=True)
class Stay:
    """A custody or facility episode (may overlap a community measure without ending it)."""

    start_on: date
    end_on: date | None = None
    for_drug_use: bool = False


@dataclass(frozen=True, slots=True)
class Span:
    start_on: date
    end_on: date | None = None


@dataclass(slots=True)
class PersonFacts:
    """What the read model knows of one person: ids, codes, dates and statuses only."""

    registered_on: date | None
    birth_date: date | None = None
    jurisdictions: list[tuple[date | None, str]] = field(default_factory=list)
    """(effective_on, jurisdiction); the first entry's date may be None (from registration)."""
    work_ability: list[tuple[date | None, str | None]] = field(default_factory=list)
    off_register: list[tuple[date, str, str | None]] = field(default_factory=list)
    """(effective_on, "off" | "return", reason)."""
    measures: list[Measure] = field(default_factory=list)
    stays: list[Stay] = field(default_factory=list)
    relapses: list[date] = field(default_factory=list)
    """Relapses and positive drug tests."""
    placements: list[Span] = field(default_factory=list)
    trainings: list[date] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Interval:
    valid_from: date
    valid_to: date | None
    jurisdiction_code: str
    flags: int


def add_years(day: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 28 February in a year without it (the registry's rule)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def effective_measures(measures: Iterable[Measure]) -> list[Measure]:
    rows = list(measures)
    superseded = {m.corrects_id for m in rows if m.corrects_id is not None}
    return [m for m in rows if m.measure_id not in superseded]


def _in_force(start: date, end: date | None, day: date) -> bool:
    return start <= day and (end is None or day < end)


def _value_on(timeline: Sequence[tuple[date | None, object]], day: date) -> object:
    value = None
    for effective_on, item in timeline:
        if effective_on is None or effective_on <= day:
            value = item
        else:
            break
    return value


def _sorted_timeline(timeline: Iterable[tuple[date | None, object]]) -> list[tuple[date | None, object]]:
    # Stable: entries of one date keep their recorded order (the later one wins).
    return sorted(timeline, key=lambda item: item[0] or date.min)


def _register_spans(facts: PersonFacts, measures: Sequence[Measure]) -> list[Span]:
    """The spans on the record, as the registry draws them: from registration or a return up to the next departure;
    a span that ends as entered in error is voided whole; a measure ended by death or by moving out of the county
    cuts everything from its end on (the latter is this definition's reading of "moved out", issue 10)."""
    spans: list[Span] = []
    start: date | None = facts.registered_on
    for day, kind, reason in sorted(facts.off_register, key=lambda item: (item[0], item[1] != "off")):
        if kind == "return":
            if start is None:
                start = day
        elif start is not None:
            if (reason or "") not in ERROR_REASONS:
                spans.append(Span(start, day))
            start = None
    if start is not None:
        spans.append(Span(start, None))
    cut = min(
        (m.actual_end_on for m in measures if m.end_reason in OFF_REGISTER_END_REASONS and m.actual_end_on),
        default=None,
    )
    if cut is not None:
        spans = [Span(sp.start_on, cut if sp.end_on is None or sp.end_on > cut else sp.end_on) for sp in spans]
    return [sp for sp in spans if sp.end_on is None or sp.start_on < sp.end_on]


def _clock_events(facts: PersonFacts, measures: Sequence[Measure]) -> list[date]:
    """Days on which the consolidation clock (re)starts."""
    days = list(facts.relapses)
    for m in measures:
        if m.kind in CLOCK_ORDER_KINDS:
            days.append(m.start_on)
        if m.end_reason == "escalated_after_relapse" and m.actual_end_on is not None:
            days.append(m.actual_end_on)
    days += [s.start_on for s in facts.stays if s.for_drug_use]
    return sorted(set(days))


def _first_control_start(measures: Sequence[Measure]) -> date | None:
    """The clock's start when nothing restarted it by D: the first control measure's (the registry's rule v2)."""
    return min((m.start_on for m in measures if m.kind in CONTROL_KINDS), default=None)


def _lost_contact_spans(measures: Sequence[Measure]) -> list[Span]:
    """Lost contact from the end of a control measure that ended so, until the next control measure starts."""
    control = sorted((m for m in measures if m.kind in CONTROL_KINDS), key=lambda m: m.start_on)
    spans = []
    for m in control:
        if m.end_reason == "lost_contact" and m.actual_end_on is not None:
            later = [n.start_on for n in control if n.start_on >= m.actual_end_on and n is not m]
            spans.append(Span(m.actual_end_on, min(later) if later else None))
    return spans


def derive(facts: PersonFacts, config: RuleConfig) -> list[Interval]:
    """The person's intervals, merged (neighbours with the same jurisdiction and flags are one), without the days on
    which they count for nothing (not on record)."""
    if facts.registered_on is None or not facts.jurisdictions:
        return []
    measures = effective_measures(facts.measures)
    jurisdictions = _sorted_timeline(facts.jurisdictions)
    abilities = _sorted_timeline(facts.work_ability)
    on_record_spans = _register_spans(facts, measures)
    lost = _lost_contact_spans(measures)
    clock = _clock_events(facts, measures)
    anniversaries = [add_years(c, config.consolidation_years) for c in clock]
    first_control = _first_control_start(measures)
    fallback = add_years(first_control, config.consolidation_years) if first_control else None
    trainings = sorted(facts.trainings)

    bounds: set[date] = {facts.registered_on}
    bounds.update(d for d, _ in jurisdictions if d is not None)
    bounds.update(d for d, _ in abilities if d is not None)
    # The spans in force on some days, each as (start, end, the bits of the day-state it sets), tested once per span
    # below instead of once per span and boundary day.
    ranges: list[tuple[date, date | None, int]] = [(sp.start_on, sp.end_on, _RECORD) for sp in on_record_spans]
    ranges += [(sp.start_on, sp.end_on, _LOST) for sp in lost]
    ranges += [(p.start_on, p.end_on, _PLACED) for p in facts.placements]
    ranges += [(s.start_on, s.end_on, _STAY) for s in facts.stays]
    ranges += [(m.start_on, m.actual_end_on, _KIND_BITS.get(m.kind, 0)) for m in measures]
    for start, end, _bits in ranges:
        bounds.add(start)
        if end is not None:
            bounds.add(end)
    bounds.update(clock)  # a relapse ends consolidation on its own day
    bounds.update(anniversaries)
    if fallback is not None:
        bounds.add(fallback)
    bounds.update(trainings)
    if facts.birth_date is not None:
        bounds.add(add_years(facts.birth_date, config.min_age))
        bounds.add(add_years(facts.birth_date, config.max_age))
    # Training coverage starts afresh each 1 January: a new year can change it only if something happened in the
    # year before (otherwise the state that carried into that year carries on unchanged).
    bounds.update(date(y + 1, 1, 1) for y in {d.year for d in bounds} if y < 9999)
    registered_on = facts.registered_on
    days = sorted(d for d in bounds if d >= registered_on)
    count = len(days)

    # What is in force on each boundary day, as bits: a span [start, end) covers the days from the first at or after
    # its start up to the first at or after its end (every span's ends are boundaries, so this is exact). This loop
    # runs for every boundary day of every person: a test per span and day was most of a rebuild's derivation time.
    state = [0] * count
    for start, end, bits in ranges:
        if bits:
            first = bisect_left(days, start)
            last = count if end is None else bisect_left(days, end)
            for i in range(first, last):
                state[i] |= bits

    min_birthday = add_years(facts.birth_date, config.min_age) if facts.birth_date else None
    max_birthday = add_years(facts.birth_date, config.max_age) if facts.birth_date else None
    # Work ability and jurisdiction on each day: the timelines are sorted and the days ascend, so each is a pointer
    # that only moves forward (the same value _value_on finds).
    ability_at, ability, ability_value = 0, len(abilities), None
    place_at, places, place_value = 0, len(jurisdictions), None

    rows: list[list] = []
    year = None
    eligible_seen = placed_seen = False
    previous_eligible = previous_placed = False
    year_trainings = 0
    for i, day in enumerate(days):
        if day.year != year:
            # A new year: what counts so far is what the segment reaching into it from the year before (if the year
            # did not start with a boundary) was on 1 January up to this day.
            carried = i > 0 and day > date(day.year, 1, 1)
            year = day.year
            eligible_seen, placed_seen = carried and previous_eligible, carried and previous_placed
            year_trainings = -1
        while ability_at < ability and (abilities[ability_at][0] is None or abilities[ability_at][0] <= day):
            ability_value = abilities[ability_at][1]
            ability_at += 1
        bits = state[i]
        placed_raw = bool(bits & _PLACED)
        flags = 0
        if bits & _RECORD:
            lost_contact = bits & _LOST
            flags = ON_RECORD
            if bits & _CONTROL and not lost_contact:
                flags |= CONTROLLED
            started = bisect_right(clock, day)
            if started:
                consolidated_from: date | None = anniversaries[started - 1]
            else:
                consolidated_from = fallback if first_control is not None and first_control <= day else None
            if consolidated_from is not None and not lost_contact and consolidated_from <= day:
                flags |= CONSOLIDATED
            if bits & _COMMUNITY:
                flags |= COMMUNITY
                if (
                    min_birthday is not None
                    and min_birthday <= day < max_birthday
                    and ability_value != "unable"
                    and not bits & (_CONFINED | _STAY)
                ):
                    flags |= ELIGIBLE
                if placed_raw:
                    flags |= PLACED
        eligible = bool(flags & ELIGIBLE)
        eligible_seen = eligible_seen or eligible
        placed_seen = placed_seen or placed_raw
        previous_eligible, previous_placed = eligible, placed_raw
        if not flags:
            continue  # not on record: counts for nothing
        if eligible_seen and not placed_seen:
            flags |= COVERAGE_BASE
            if year_trainings < 0:
                year_trainings = bisect_right(trainings, date(year, 1, 1) - timedelta(days=1))
            if bisect_right(trainings, day) - year_trainings >= 2:
                flags |= COVERAGE_TRAINED
        while place_at < places and (jurisdictions[place_at][0] is None or jurisdictions[place_at][0] <= day):
            place_value = jurisdictions[place_at][1]
            place_at += 1
        valid_to = days[i + 1] if i + 1 < count else None
        jurisdiction = str(place_value)
        if rows:
            last = rows[-1]
            if last[1] == day and last[3] == flags and last[2] == jurisdiction:
                last[1] = valid_to
                continue
        rows.append([day, valid_to, jurisdiction, flags])
    return [Interval(*row) for row in rows]


def state_on(intervals: Sequence[Interval], day: date) -> Interval | None:
    """The interval covering `day`, if the person counts for anything that day."""
    for interval in intervals:
        if _in_force(interval.valid_from, interval.valid_to, day):
            return interval
    return None


def day_before(day: date) -> date:
    return day - timedelta(days=1)
