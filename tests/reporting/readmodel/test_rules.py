"""Definition v1 on hand-built people at its edges: the 16th and 60th birthday, a transfer on D, a measure ending on
D, death on D, a relapse 2 years 364 days before D, the anniversary, rehabilitation after isolation, a stay inside a
rehabilitation order, the 2013 switch to eligible people, training coverage."""

import itertools
from datetime import date, timedelta

import pytest

from reporting.readmodel import rules
from reporting.readmodel.rules import Measure, PersonFacts, RuleConfig, Span, Stay

CONFIG = RuleConfig()
D = date(2013, 12, 31)


def person(**overrides) -> PersonFacts:
    base = dict(
        registered_on=date(2012, 1, 1),
        birth_date=date(1980, 6, 1),
        jurisdictions=[(None, "dapu")],
        work_ability=[(None, "able")],
        measures=[Measure("m1", "community_detox", date(2012, 1, 1))],
    )
    return PersonFacts(**(base | overrides))


def flags_on(facts: PersonFacts, day: date, config: RuleConfig = CONFIG) -> set[str]:
    interval = rules.state_on(rules.derive(facts, config), day)
    if interval is None:
        return set()
    return {name for bit, name in rules.FLAG_NAMES.items() if interval.flags & bit}


def jurisdiction_on(facts: PersonFacts, day: date) -> str | None:
    interval = rules.state_on(rules.derive(facts, CONFIG), day)
    return interval.jurisdiction_code if interval else None


@pytest.mark.parametrize(
    ("birth_date", "eligible"),
    [
        (date(1997, 12, 31), True),  # the 16th birthday is D: 16 that day
        (date(1998, 1, 1), False),  # 16 tomorrow
        (date(1953, 12, 31), False),  # the 60th birthday is D: no longer eligible that day
        (date(1954, 1, 1), True),  # 59 until tomorrow
        (date(1996, 2, 29), True),  # born on 29 February: 16 on 28 February 2012, long before D
        (None, False),  # age unknown: working age cannot be established
    ],
)
def test_working_age_from_the_16th_to_the_day_before_the_60th_birthday(birth_date, eligible):
    facts = person(birth_date=birth_date)
    assert ("eligible" in flags_on(facts, D)) is eligible
    assert "community" in flags_on(facts, D)


def test_the_ages_are_configurable():
    facts = person(birth_date=date(1956, 6, 1))  # 57 on D
    assert "eligible" in flags_on(facts, D)
    assert "eligible" not in flags_on(facts, D, RuleConfig(max_age=55))


def test_a_transfer_on_d_counts_in_the_destination_on_d():
    facts = person(jurisdictions=[(None, "dapu"), (D, "shapu")])
    assert jurisdiction_on(facts, D - timedelta(days=1)) == "dapu"
    assert jurisdiction_on(facts, D) == "shapu"


def test_a_measure_ending_on_d_is_not_in_force_on_d():
    facts = person(measures=[Measure("m1", "community_detox", date(2012, 1, 1), D, "completed")])
    assert {"controlled", "community"} <= flags_on(facts, D - timedelta(days=1))
    on_d = flags_on(facts, D)
    assert "on_record" in on_d and "controlled" not in on_d and "community" not in on_d


def test_death_on_d_is_off_the_record_on_d():
    facts = person(measures=[Measure("m1", "community_detox", date(2012, 1, 1), D, "death")])
    assert "on_record" in flags_on(facts, D - timedelta(days=1))
    assert flags_on(facts, D) == set()
    assert flags_on(facts, D + timedelta(days=400)) == set()


def test_a_dated_off_register_event_and_a_return():
    facts = person(off_register=[(date(2013, 3, 1), "off", "moved_out"), (date(2013, 6, 1), "return", None)])
    assert flags_on(facts, date(2013, 2, 28)) and flags_on(facts, date(2013, 3, 1)) == set()
    assert "on_record" in flags_on(facts, date(2013, 6, 1))


def test_a_span_ended_as_entered_in_error_never_counts_but_a_later_return_does():
    facts = person(off_register=[(date(2013, 6, 1), "off", "entered_in_error")])
    assert rules.derive(facts, CONFIG) == []
    returned = person(off_register=[(date(2013, 6, 1), "off", "entered_in_error"), (date(2013, 9, 1), "return", None)])
    assert flags_on(returned, date(2013, 5, 1)) == set()
    assert "on_record" in flags_on(returned, date(2013, 9, 1))


def test_moved_out_of_the_county_is_off_the_record_from_that_day():
    facts = person(off_register=[(D, "off", "moved_out_of_county")])
    assert "on_record" in flags_on(facts, D - timedelta(days=1)) and flags_on(facts, D) == set()


def test_not_registered_before_the_registration_date():
    facts = person(registered_on=D)
    assert flags_on(facts, D - timedelta(days=1)) == set()
    assert "on_record" in flags_on(facts, D)


@pytest.mark.parametrize(
    ("relapse", "consolidated"),
    [
        (D - timedelta(days=365 * 2 + 364), False),  # 2 years 364 days before D
        (date(2010, 12, 31), True),  # the anniversary is D: it counts
        (date(2011, 1, 1), False),  # the anniversary is tomorrow
    ],
)
def test_consolidation_clock_restarts_at_a_relapse(relapse, consolidated):
    facts = person(
        registered_on=date(2009, 1, 1),
        measures=[Measure("m1", "community_detox", date(2009, 1, 1), date(2012, 1, 1), "completed")],
        relapses=[relapse],
    )
    assert ("consolidated" in flags_on(facts, D)) is consolidated


def test_a_new_detox_order_restarts_the_clock_and_rehabilitation_after_isolation_does_not():
    isolation_then_rehab = person(
        registered_on=date(2009, 1, 1),
        measures=[
            Measure("m1", "compulsory_isolation", date(2009, 1, 1), date(2010, 12, 1), "completed"),
            Measure("m2", "community_rehabilitation", date(2010, 12, 1)),
        ],
    )
    assert "consolidated" in flags_on(isolation_then_rehab, date(2012, 1, 1))
    second_detox = person(
        registered_on=date(2009, 1, 1),
        measures=[
            Measure("m1", "community_detox", date(2009, 1, 1), date(2012, 1, 1), "completed"),
            Measure("m2", "community_detox", date(2012, 6, 1)),
        ],
    )
    assert "consolidated" in flags_on(second_detox, date(2012, 5, 31))
    assert "consolidated" not in flags_on(second_detox, date(2012, 6, 1))


def test_lost_contact_is_neither_controlled_nor_consolidated():
    facts = person(
        registered_on=date(2005, 1, 1),
        measures=[Measure("m1", "community_detox", date(2005, 1, 1), date(2012, 1, 1), "lost_contact")],
    )
    assert flags_on(facts, D) == {"on_record"}


def test_a_stay_inside_rehabilitation_keeps_the_order_but_not_eligibility():
    facts = person(
        measures=[Measure("m1", "community_rehabilitation", date(2012, 1, 1))],
        stays=[Stay(date(2013, 12, 20), date(2014, 1, 5))],
    )
    on_d = flags_on(facts, D)
    assert {"controlled", "community"} <= on_d and "eligible" not in on_d
    assert "eligible" in flags_on(facts, date(2014, 1, 5))


def test_unable_to_work_on_d_is_not_eligible():
    facts = person(work_ability=[(None, "able"), (date(2013, 12, 1), "unable")])
    assert "eligible" in flags_on(facts, date(2013, 11, 30))
    assert "eligible" not in flags_on(facts, D)


def test_placed_on_d_follows_the_placement_dates():
    facts = person(placements=[Span(date(2013, 5, 1), D)])
    assert "placed" in flags_on(facts, D - timedelta(days=1))
    assert "placed" not in flags_on(facts, D)


def test_corrected_measures_are_replaced_by_their_correction():
    facts = person(
        measures=[
            Measure("m1", "community_detox", date(2012, 1, 1)),
            Measure("m2", "community_detox", date(2012, 1, 1), date(2013, 1, 1), "completed", corrects_id="m1"),
        ]
    )
    assert "community" not in flags_on(facts, D)


def test_training_coverage_counts_two_trainings_of_unplaced_eligible_people_in_the_year():
    facts = person(trainings=[date(2013, 3, 1), date(2013, 9, 1), date(2014, 2, 1)])
    assert "coverage_trained" not in flags_on(facts, date(2013, 8, 31))
    assert {"coverage_base", "coverage_trained"} <= flags_on(facts, D)
    # A new year starts afresh: one training so far in 2014.
    jan = flags_on(facts, date(2014, 1, 1))
    assert "coverage_base" in jan and "coverage_trained" not in jan
    placed_in_year = person(
        trainings=[date(2013, 3, 1), date(2013, 9, 1)], placements=[Span(date(2013, 2, 1), date(2013, 2, 20))]
    )
    assert "coverage_base" not in flags_on(placed_in_year, D)
    assert "coverage_base" in flags_on(placed_in_year, date(2014, 1, 1))


def test_intervals_reach_into_the_future_and_are_merged():
    facts = person(birth_date=date(1990, 1, 1))
    intervals = rules.derive(facts, CONFIG)
    assert intervals[-1].valid_to is None
    assert all(a.valid_to == b.valid_from for a, b in itertools.pairwise(intervals))
    assert all(
        (a.flags, a.jurisdiction_code) != (b.flags, b.jurisdiction_code) for a, b in itertools.pairwise(intervals)
    )
    # Consolidated three years after the detox order began, and eligible until the 60th birthday.
    assert "consolidated" in flags_on(facts, date(2015, 1, 1))
    assert "eligible" not in flags_on(facts, date(2050, 1, 1))


def test_before_any_restart_the_clock_runs_from_the_first_control_measure():
    """Rule v2: a relapse in 2015 does not stop a rehabilitation begun in 2010 from counting as consolidated in 2013
    (only facts dated by D count), and a voluntary detox agreement is not a control measure."""
    facts = person(
        registered_on=date(2009, 1, 1),
        measures=[
            Measure("m0", "voluntary_detox", date(2009, 1, 1)),
            Measure("m1", "community_rehabilitation", date(2010, 3, 1)),
        ],
        relapses=[date(2015, 5, 1)],
    )
    assert "consolidated" not in flags_on(facts, date(2013, 2, 28))
    assert "consolidated" in flags_on(facts, date(2013, 3, 1))
    assert "consolidated" not in flags_on(facts, date(2015, 5, 1))


def test_a_relapse_ends_consolidation_on_its_own_day():
    facts = person(registered_on=date(2005, 1, 1), measures=[Measure("m1", "community_detox", date(2005, 1, 1))])
    relapsed = person(
        registered_on=date(2005, 1, 1), measures=[Measure("m1", "community_detox", date(2005, 1, 1))], relapses=[D]
    )
    assert "consolidated" in flags_on(facts, D) and "consolidated" in flags_on(relapsed, D - timedelta(days=1))
    assert "consolidated" not in flags_on(relapsed, D)
