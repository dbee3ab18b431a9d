"""The intervals agree with a day-by-day reading of definition v1 on random people: every day on which a flag can
change must be a boundary of the intervals (a missed boundary leaves a stale flag for days, which this finds)."""

import random
from datetime import date, timedelta

import pytest

from reporting.readmodel import rules
from reporting.readmodel.rules import Measure, PersonFacts, RuleConfig, Span, Stay

CONFIG = RuleConfig()
FIRST, LAST = date(2008, 1, 1), date(2021, 12, 31)


def random_person(r: random.Random) -> PersonFacts:
    registered = FIRST + timedelta(days=r.randrange(2000))
    measures = []
    start = registered
    for i in range(r.randint(1, 3)):
        kind = r.choice(["community_detox", "community_rehabilitation", "compulsory_isolation", "custody"])
        end = start + timedelta(days=r.randrange(100, 1200)) if r.random() < 0.7 else None
        reason = (
            r.choice(["completed", "completed", "escalated_after_relapse", "lost_contact", "death"]) if end else None
        )
        measures.append(Measure(f"m{i}", kind, start, end, reason))
        if end is None or reason == "death":
            break
        start = end + timedelta(days=r.randrange(0, 300))
    off = []
    if r.random() < 0.3:
        left = registered + timedelta(days=r.randrange(100, 2500))
        off.append((left, "off", r.choice(["died", "moved_out_of_county", "entered_in_error", "other"])))
        if r.random() < 0.5:
            off.append((left + timedelta(days=r.randrange(1, 500)), "return", None))
    return PersonFacts(
        registered_on=registered,
        birth_date=date(1950, 1, 1) + timedelta(days=r.randrange(365 * 50)),
        jurisdictions=[(None, "dapu")]
        + ([(registered + timedelta(days=r.randrange(1, 2000)), "shapu")] if r.random() < 0.3 else []),
        work_ability=[(None, "able")]
        + ([(registered + timedelta(days=r.randrange(1, 2000)), "unable")] if r.random() < 0.3 else []),
        off_register=off,
        measures=measures,
        stays=[
            Stay(registered + timedelta(days=d), registered + timedelta(days=d + 20), r.random() < 0.5)
            for d in r.sample(range(50, 2000), r.randint(0, 2))
        ],
        relapses=[registered + timedelta(days=d) for d in r.sample(range(10, 3000), r.randint(0, 2))],
        placements=[
            Span(registered + timedelta(days=d), registered + timedelta(days=d + r.randrange(30, 900)))
            for d in r.sample(range(10, 2500), r.randint(0, 2))
        ],
        trainings=sorted(registered + timedelta(days=d) for d in r.sample(range(10, 3000), r.randint(0, 4))),
    )


def in_force(start, end, day) -> bool:
    return start <= day and (end is None or day < end)


def oracle(f: PersonFacts, day: date) -> tuple[str, int] | None:
    """Definition v1 read literally for one day."""
    if not on_record(f, day):
        return None
    kinds = {m.kind for m in f.measures if in_force(m.start_on, m.actual_end_on, day)}
    control = sorted(
        (m for m in f.measures if m.kind in rules.CONTROL_KINDS and m.start_on <= day), key=lambda m: m.start_on
    )
    lost = (
        not kinds & rules.CONTROL_KINDS
        and bool(control)
        and control[-1].end_reason == "lost_contact"
        and control[-1].actual_end_on is not None
        and control[-1].actual_end_on <= day
    )
    flags = rules.ON_RECORD
    if kinds & rules.CONTROL_KINDS and not lost:
        flags |= rules.CONTROLLED
    clock = [d for d in f.relapses if d <= day]
    clock += [
        m.actual_end_on
        for m in f.measures
        if m.end_reason == "escalated_after_relapse" and m.actual_end_on and m.actual_end_on <= day
    ]
    clock += [m.start_on for m in f.measures if m.kind in rules.CLOCK_ORDER_KINDS and m.start_on <= day]
    clock += [s.start_on for s in f.stays if s.for_drug_use and s.start_on <= day]
    if not clock:
        clock = [m.start_on for m in control[:1]]
    if clock and not lost and rules.add_years(max(clock), CONFIG.consolidation_years) <= day:
        flags |= rules.CONSOLIDATED

    def eligible_on(d: date) -> bool:
        ks = {m.kind for m in f.measures if in_force(m.start_on, m.actual_end_on, d)}
        ability = [a for when, a in f.work_ability if when is None or when <= d][-1]
        of_age = rules.add_years(f.birth_date, 16) <= d < rules.add_years(f.birth_date, 60)
        confined = bool(ks & rules.CONFINED_KINDS) or any(in_force(s.start_on, s.end_on, d) for s in f.stays)
        return bool(ks & rules.COMMUNITY_KINDS) and of_age and ability != "unable" and not confined

    if kinds & rules.COMMUNITY_KINDS:
        flags |= rules.COMMUNITY
        if eligible_on(day):
            flags |= rules.ELIGIBLE
        if any(in_force(p.start_on, p.end_on, day) for p in f.placements):
            flags |= rules.PLACED
    year_days = [date(day.year, 1, 1) + timedelta(days=i) for i in range((day - date(day.year, 1, 1)).days + 1)]
    ever_eligible = any(on_record(f, d) and eligible_on(d) for d in year_days)
    ever_placed = any(in_force(p.start_on, p.end_on, d) for p in f.placements for d in year_days)
    if ever_eligible and not ever_placed:
        flags |= rules.COVERAGE_BASE
        if sum(1 for t in f.trainings if date(day.year, 1, 1) <= t <= day) >= 2:
            flags |= rules.COVERAGE_TRAINED
    jurisdiction = [j for when, j in f.jurisdictions if when is None or when <= day][-1]
    return jurisdiction, flags


def on_record(f: PersonFacts, day: date) -> bool:
    if day < f.registered_on:
        return False
    spans, start = [], f.registered_on
    for when, kind, reason in sorted(f.off_register, key=lambda x: (x[0], x[1] != "off")):
        if kind == "return" and start is None:
            start = when
        elif kind == "off" and start is not None:
            if reason not in rules.ERROR_REASONS:
                spans.append((start, when))
            start = None
    if start is not None:
        spans.append((start, None))
    cut = min(
        (m.actual_end_on for m in f.measures if m.end_reason in ("death", "moved_away") and m.actual_end_on),
        default=None,
    )
    return any(in_force(s, e, day) for s, e in spans) and not (cut is not None and day >= cut)


@pytest.mark.parametrize("seed", range(40))
def test_intervals_agree_with_the_definition_read_day_by_day(seed):
    r = random.Random(seed)
    f = random_person(r)
    intervals = rules.derive(f, CONFIG)
    days = sorted({FIRST + timedelta(days=r.randrange((LAST - FIRST).days)) for _ in range(150)})
    days += [b for i in intervals for b in (i.valid_from, i.valid_from - timedelta(days=1))]
    for day in days:
        state = rules.state_on(intervals, day)
        got = (state.jurisdiction_code, state.flags) if state else None
        assert got == oracle(f, day), (seed, day)
