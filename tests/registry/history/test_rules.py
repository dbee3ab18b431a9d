"""The as-of rules at their edges, one table per rule (registry.history.asof: the status endpoint and the lookup
answer with exactly these functions). Each row is a person's history, a day, and what must hold on it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import pytest

from registry.history import asof

N = 3
WORKING_AGE = (16, 59)


@dataclass
class M:
    kind: str
    start_on: date
    actual_end_on: date | None = None
    end_reason: str | None = None
    planned_end_on: date | None = None
    corrects_id: object = None
    id: object = field(default_factory=uuid.uuid4)


@dataclass
class R:
    kind: str
    effective_on: date
    reason_code: str | None = None
    withdrawn_at: object = None


@dataclass
class W:
    effective_on: date
    work_ability: str
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass
class S:
    kind: str
    start_on: date
    end_on: date | None = None
    for_drug_use: bool = False
    withdrawn_at: object = None
    id: object = field(default_factory=uuid.uuid4)


@dataclass
class T:
    from_jurisdiction_code: str
    to_jurisdiction_code: str
    effective_on: date
    status: str = "accepted"
    resolved_at: object = field(default_factory=lambda: datetime.now(UTC))


def d(text: str) -> date:
    return date.fromisoformat(text)


def history(
    *,
    registered="2012-01-01",
    born="1985-06-01",
    measures=(),
    relapses=(),
    register=(),
    abilities=(),
    stays=(),
    transfers=(),
    jurisdiction="dapu",
) -> asof.History:
    return asof.History(
        birth_date=d(born),
        registered_on=d(registered),
        jurisdiction_code=jurisdiction,
        work_ability="able",
        episodes=list(measures),
        relapse_days=[d(x) for x in relapses],
        register_changes=list(register),
        ability_changes=list(abilities),
        stays=list(stays),
        transfers=list(transfers),
    )


def at(h: asof.History, day: str) -> asof.AsOf:
    return asof.as_of(h, d(day), consolidation_years=N)


DETOX_2012 = M("community_detox", d("2012-03-01"), d("2015-03-01"), "completed")
REHAB_2012 = M("community_rehabilitation", d("2012-03-01"))

# --- On the register ------------------------------------------------------------------------------------------------

ON_RECORD = [
    ("the day before registration", history(registered="2012-06-15"), "2012-06-14", False, "not_yet_registered"),
    ("the registration day", history(registered="2012-06-15"), "2012-06-15", True, None),
    ("the day before death", history(register=[R("left", d("2013-05-01"), "died")]), "2013-04-30", True, None),
    ("death on D", history(register=[R("left", d("2013-05-01"), "died")]), "2013-05-01", False, "died"),
    ("years after death", history(register=[R("left", d("2013-05-01"), "died")]), "2014-12-31", False, "died"),
    (
        "moved out on D",
        history(register=[R("left", d("2013-05-01"), "moved_out_of_county"), R("returned", d("2014-01-10"))]),
        "2013-05-01",
        False,
        "moved_out_of_county",
    ),
    (
        "the day before the return",
        history(register=[R("left", d("2013-05-01"), "moved_out_of_county"), R("returned", d("2014-01-10"))]),
        "2014-01-09",
        False,
        "moved_out_of_county",
    ),
    (
        "the return day",
        history(register=[R("left", d("2013-05-01"), "moved_out_of_county"), R("returned", d("2014-01-10"))]),
        "2014-01-10",
        True,
        None,
    ),
    (
        "before a removal as entered in error: the span never counts",
        history(register=[R("left", d("2013-05-01"), "entered_in_error")]),
        "2012-12-31",
        False,
        "entered_in_error",
    ),
    (
        "after a removal in error and a later return",
        history(register=[R("left", d("2013-05-01"), "entered_in_error"), R("returned", d("2014-01-01"))]),
        "2014-01-01",
        True,
        None,
    ),
    (
        "a withdrawn departure does not count",
        history(register=[R("left", d("2013-05-01"), "died", withdrawn_at=datetime.now(UTC))]),
        "2014-01-01",
        True,
        None,
    ),
    (
        "a death recorded by a measure's end, on D",
        history(measures=[M("community_detox", d("2012-03-01"), d("2013-05-01"), "death")]),
        "2013-05-01",
        False,
        "died",
    ),
]


@pytest.mark.parametrize(("case", "h", "day", "on_record", "reason"), ON_RECORD, ids=[c[0] for c in ON_RECORD])
def test_on_the_register(case, h, day, on_record, reason):
    facts = at(h, day)
    assert (facts.on_record, facts.off_register_reason) == (on_record, reason)


OFF_REGISTER_NEVER_COUNTS = [
    ("under control", "under_control"),
    ("consolidated", "consolidated"),
    ("a measure in force", "measure_in_force"),
    ("a community measure in force", "community_measure_in_force"),
]


@pytest.mark.parametrize(
    ("case", "attribute"), OFF_REGISTER_NEVER_COUNTS, ids=[c[0] for c in OFF_REGISTER_NEVER_COUNTS]
)
def test_off_the_register_a_person_is_never(case, attribute):
    # Died in 2013 while the detox (never ended on the record) ran to 2015; under v1 this person was consolidated in
    # 2013 and 2014.
    h = history(measures=[M("community_detox", d("2009-03-01"))], register=[R("left", d("2013-05-01"), "died")])
    assert getattr(at(h, "2013-04-30"), attribute)
    assert not getattr(at(h, "2013-05-01"), attribute)
    assert not getattr(at(h, "2014-12-31"), attribute)


# --- Jurisdiction, work ability -------------------------------------------------------------------------------------

MOVES = [T("dapu", "shapu", d("2013-04-01")), T("shapu", "taiping", d("2014-02-01"))]
JURISDICTION = [
    ("no transfer: where the person is", history(jurisdiction="dapu"), "2012-01-01", "dapu"),
    ("the day before a transfer", history(transfers=MOVES, jurisdiction="taiping"), "2013-03-31", "dapu"),
    ("a transfer on D", history(transfers=MOVES, jurisdiction="taiping"), "2013-04-01", "shapu"),
    ("between two transfers", history(transfers=MOVES, jurisdiction="taiping"), "2014-01-31", "shapu"),
    ("after the last", history(transfers=MOVES, jurisdiction="taiping"), "2014-02-01", "taiping"),
    (
        "a proposed transfer is not a move",
        history(transfers=[T("dapu", "shapu", d("2013-04-01"), status="proposed")], jurisdiction="dapu"),
        "2014-01-01",
        "dapu",
    ),
]


@pytest.mark.parametrize(("case", "h", "day", "expected"), JURISDICTION, ids=[c[0] for c in JURISDICTION])
def test_jurisdiction_follows_transfers_by_their_effective_day(case, h, day, expected):
    assert at(h, day).jurisdiction_code == expected


EARLY = datetime(2014, 1, 1, tzinfo=UTC)
LATE = datetime(2014, 2, 1, tzinfo=UTC)
ABILITIES = [W(d("2012-01-01"), "able"), W(d("2013-06-01"), "partly"), W(d("2014-01-01"), "unable", EARLY)]
ABILITY = [
    ("before the first change, the first value reaches back", ABILITIES, "2011-06-01", "able"),
    ("the day before a change", ABILITIES, "2013-05-31", "able"),
    ("a change on D", ABILITIES, "2013-06-01", "partly"),
    ("year end 2013", ABILITIES, "2013-12-31", "partly"),
    ("a later entry for the same day wins", [*ABILITIES, W(d("2014-01-01"), "partly", LATE)], "2014-01-01", "partly"),
]


@pytest.mark.parametrize(("case", "changes", "day", "expected"), ABILITY, ids=[c[0] for c in ABILITY])
def test_work_ability_on_a_day(case, changes, day, expected):
    assert at(history(abilities=changes), day).work_ability == expected


# --- Custody and facility stays -------------------------------------------------------------------------------------

DETENTION = S("detention", d("2013-05-02"), d("2013-05-17"), for_drug_use=True)
STAYS = [
    ("the day before a detention", [DETENTION], "2013-05-01", False),
    ("the first day of a detention inside a rehabilitation order", [DETENTION], "2013-05-02", True),
    ("the last day in", [DETENTION], "2013-05-16", True),
    ("the day of release: out", [DETENTION], "2013-05-17", False),
    ("a hospital stay still open", [S("hospital", d("2013-09-01"))], "2014-06-01", True),
    ("a withdrawn stay does not count", [S("hospital", d("2013-09-01"), withdrawn_at=EARLY)], "2014-06-01", False),
]


@pytest.mark.parametrize(("case", "stays", "day", "inside"), STAYS, ids=[c[0] for c in STAYS])
def test_a_stay_overlaps_a_community_measure_without_ending_it(case, stays, day, inside):
    h = history(measures=[REHAB_2012], stays=stays)
    facts = at(h, day)
    assert facts.in_custody_or_facility is inside
    assert facts.community_measure_in_force and facts.under_control  # the rehabilitation order goes on
    assert asof.eligible(h, facts, WORKING_AGE) is not inside


# --- Consolidation, rule v2 -----------------------------------------------------------------------------------------

ISOLATION_THEN_REHAB = [
    M("compulsory_isolation", d("2012-01-01"), d("2014-01-01"), "completed"),
    M("community_rehabilitation", d("2014-01-01")),
]
CONSOLIDATION = [
    ("the day before the anniversary", history(measures=[DETOX_2012]), "2015-02-28", False, "2012-03-01"),
    ("the anniversary counts", history(measures=[DETOX_2012]), "2015-03-01", True, "2012-03-01"),
    (
        "a positive test restarts the clock on its day",
        history(measures=[DETOX_2012], relapses=["2013-06-30"]),
        "2016-06-29",
        False,
        "2013-06-30",
    ),
    (
        "three years after the positive test",
        history(measures=[DETOX_2012], relapses=["2013-06-30"]),
        "2016-06-30",
        True,
        "2013-06-30",
    ),
    (
        "a test after D does not count on D",
        history(measures=[DETOX_2012], relapses=["2016-01-01"]),
        "2015-03-01",
        True,
        "2012-03-01",
    ),
    (
        "a second detox order after a completed one restarts it",
        history(measures=[DETOX_2012, M("community_detox", d("2016-01-01"))]),
        "2016-06-01",
        False,
        "2016-01-01",
    ),
    (
        "rehabilitation after isolation is aftercare: no restart",
        history(measures=ISOLATION_THEN_REHAB),
        "2015-01-01",
        True,
        "2012-01-01",
    ),
    (
        "an escalation after relapse restarts it",
        history(
            measures=[
                M("community_detox", d("2012-03-01"), d("2013-02-01"), "escalated_after_relapse"),
                M("compulsory_isolation", d("2013-02-01")),
            ]
        ),
        "2016-01-31",
        False,
        "2013-02-01",
    ),
    (
        "custody for drug use restarts it",
        history(measures=[REHAB_2012], stays=[DETENTION]),
        "2016-05-01",
        False,
        "2013-05-02",
    ),
    (
        "custody for something else does not",
        history(measures=[REHAB_2012], stays=[S("criminal_custody", d("2013-05-02"), d("2013-08-01"))]),
        "2015-03-01",
        True,
        "2012-03-01",
    ),
    (
        "a 29 February start reaches N years on 28 February",
        history(measures=[M("community_detox", d("2012-02-29"))]),
        "2015-02-28",
        True,
        "2012-02-29",
    ),
    (
        "death on the anniversary",
        history(measures=[DETOX_2012], register=[R("left", d("2015-03-01"), "died")]),
        "2015-03-01",
        False,
        "2012-03-01",
    ),
    (
        "lost contact",
        history(measures=[M("community_detox", d("2012-03-01"), d("2013-01-01"), "lost_contact")]),
        "2015-06-01",
        False,
        "2012-03-01",
    ),
    ("no measure, no test: no clock", history(), "2015-06-01", False, None),
]


@pytest.mark.parametrize(
    ("case", "h", "day", "consolidated", "clock_start"), CONSOLIDATION, ids=[c[0] for c in CONSOLIDATION]
)
def test_consolidation_rule_v2(case, h, day, consolidated, clock_start):
    facts = at(h, day)
    assert facts.consolidated is consolidated
    assert (facts.clock.start_on.isoformat() if facts.clock else None) == clock_start


def test_the_rule_v2_text_states_its_version_and_n():
    assert "rule v2" in asof.CONSOLIDATION_TEXT.format(n=N) and f"{N} years" in asof.CONSOLIDATION_TEXT.format(n=N)
    assert "v1" in asof.CONSOLIDATION_TEXT  # and says how it differs from the rule it replaces


# --- Placement eligibility ------------------------------------------------------------------------------------------

ELIGIBILITY = [
    ("the day before the 16th birthday", history(born="1997-06-01"), "2013-05-31", False),
    ("the 16th birthday", history(born="1997-06-01"), "2013-06-01", True),
    ("the day before the 60th birthday", history(born="1953-06-01"), "2013-05-31", True),
    ("the 60th birthday", history(born="1953-06-01"), "2013-06-01", False),
    ("unable to work that day", history(abilities=[W(d("2013-01-01"), "unable")]), "2013-06-01", False),
    ("partly able that day", history(abilities=[W(d("2013-01-01"), "partly")]), "2013-06-01", True),
    (
        "under compulsory isolation",
        history(measures=[M("compulsory_isolation", d("2013-01-01"))]),
        "2013-06-01",
        False,
    ),
]


@pytest.mark.parametrize(("case", "h", "day", "eligible"), ELIGIBILITY, ids=[c[0] for c in ELIGIBILITY])
def test_placement_eligibility_on_a_day(case, h, day, eligible):
    if not h.episodes:
        h.episodes = [M("community_detox", d("2012-03-01"))]
    facts = at(h, day)
    assert asof.eligible(h, facts, WORKING_AGE) is eligible


# --- The register's spans, for stays ---------------------------------------------------------------------------------

WITHIN = [
    ("inside the register", [], "2013-05-02", "2013-05-17", True),
    ("starting before registration", [], "2011-12-31", "2012-02-01", False),
    ("ending on the day of a departure", [R("left", d("2013-05-17"), "died")], "2013-05-02", "2013-05-17", True),
    ("running past a departure", [R("left", d("2013-05-10"), "died")], "2013-05-02", "2013-05-17", False),
    ("open, after a departure", [R("left", d("2013-05-10"), "moved_out_of_county")], "2013-05-02", None, False),
    (
        "after a return",
        [R("left", d("2013-01-01"), "moved_out_of_county"), R("returned", d("2013-04-01"))],
        "2013-05-02",
        None,
        True,
    ),
    (
        "while off the register",
        [R("left", d("2013-01-01"), "moved_out_of_county"), R("returned", d("2013-06-01"))],
        "2013-05-02",
        "2013-05-17",
        False,
    ),
    (
        "inside a span removed as entered in error",
        [R("left", d("2014-01-01"), "entered_in_error")],
        "2013-05-02",
        "2013-05-17",
        False,
    ),
]


@pytest.mark.parametrize(("case", "register", "start", "end", "inside"), WITHIN, ids=[c[0] for c in WITHIN])
def test_a_stay_must_lie_within_the_register(case, register, start, end, inside):
    h = history(register=register)
    assert asof.within_register(h, d(start), d(end) if end else None) is inside
