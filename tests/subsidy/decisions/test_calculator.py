"""The rule of each subsidy type applied to placement's facts (subsidy.decisions.calculator): tier boundaries, contract
terms and days at the edges of a year, the Qihang designation, caps, months, loan interest and its one rounding."""

from decimal import Decimal

import pytest

from subsidy.decisions import calculator
from subsidy.evidence.schemas import EmployerFacts, LoanFacts, SelfEmploymentFacts
from subsidy.money import to_fen
from subsidy.policies.rules import (
    EnterprisePlacementRule,
    HiringRule,
    LoanInterestRule,
    PostRule,
    SelfEmploymentRule,
    SocialInsuranceRule,
    TaxReductionRule,
)
from tests.subsidy.conftest import NOTICE_TIERS
from tests.subsidy.fakes import contract, employer

YEAR = 2013
NOTICE = EnterprisePlacementRule(type="enterprise_placement", tiers=NOTICE_TIERS)


def facts(contracts, **fields) -> EmployerFacts:
    return EmployerFacts.model_validate(employer(contracts, **fields))


def full_year(n: int) -> list[dict]:
    return [contract("2013-01-01", "2013-12-31", year=YEAR) for _ in range(n)]


def enterprise(rule, contracts, **fields):
    return calculator.enterprise_placement(
        rule, facts(contracts, **fields), year=YEAR, source=calculator.Source(definition="v1")
    )


@pytest.mark.parametrize(
    ("headcount", "tier", "label", "amount"),
    [
        (0, None, None, "0.00"),
        (1, "1-49", "1–49人", "10000.00"),
        (49, "1-49", "1–49人", "10000.00"),
        (50, "50-99", "50–99人", "20000.00"),
        (99, "50-99", "50–99人", "20000.00"),
        (100, "100+", "100人及以上", "30000.00"),
    ],
)
def test_the_notice_tiers_at_their_boundaries(headcount, tier, label, amount):
    outcome = enterprise(NOTICE, full_year(headcount))
    assert (outcome.qualifying_count, outcome.tier, outcome.tier_label_zh) == (headcount, tier, label)
    assert outcome.amount == Decimal(amount)
    assert outcome.decidable is (headcount > 0)


@pytest.mark.parametrize(
    ("headcount", "tier", "amount"), [(9, "1-9", "1000.00"), (10, "10-29", "5000.00"), (30, "30+", "9000.00")]
)
def test_a_policy_states_its_own_tiers(headcount, tier, amount):
    rule = EnterprisePlacementRule(
        type="enterprise_placement",
        tiers=[
            {"min_headcount": 1, "max_headcount": 9, "amount": "1000.00"},
            {"min_headcount": 10, "max_headcount": 29, "amount": "5000.00"},
            {"min_headcount": 30, "max_headcount": None, "amount": "9000.00"},
        ],
    )
    outcome = enterprise(rule, full_year(headcount))
    assert (outcome.tier, outcome.amount) == (tier, Decimal(amount))
    assert outcome.snapshot["computation"]["tier"]["amount"] == amount


def test_a_person_with_two_contracts_counts_once():
    person = "8d1f2e3a-0b4c-4d5e-8f6a-7b8c9d0e1f2a"
    outcome = enterprise(
        NOTICE,
        [
            contract("2013-01-01", "2013-12-31", year=YEAR, person_id=person),
            contract("2012-06-01", None, year=YEAR, person_id=person),
        ],
    )
    assert outcome.qualifying_count == 1
    assert len(outcome.snapshot["counted"]) == 2


def test_contract_terms_and_days_at_the_edges_of_the_year():
    eleven = contract("2013-01-01", "2013-11-30", year=YEAR)
    twelve = contract("2013-01-01", "2013-12-31", year=YEAR)
    leap_day = contract("2012-02-29", "2013-02-28", year=YEAR)
    ended_last_year = contract("2012-01-01", "2012-12-31", year=YEAR)
    starts_on_new_years_eve = contract("2013-12-31", "2014-12-30", year=YEAR)
    outcome = enterprise(NOTICE, [eleven, twelve, leap_day, ended_last_year, starts_on_new_years_eve])
    counted = {c["placement_id"] for c in outcome.snapshot["counted"]}
    excluded = {c["placement_id"]: c["reasons"] for c in outcome.snapshot["excluded"]}
    assert leap_day["term_months"] == 12
    assert counted == {twelve["placement_id"], leap_day["placement_id"], starts_on_new_years_eve["placement_id"]}
    assert excluded == {
        eleven["placement_id"]: ["term_under_minimum"],
        ended_last_year["placement_id"]: ["not_in_force_in_year"],
    }
    assert outcome.qualifying_count == 3

    # The policy's own minimum replaces placement's fixed 12 months, both ways; so does its minimum days.
    six_months = enterprise(NOTICE.model_copy(update={"minimum_contract_months": 6}), [eleven])
    assert six_months.qualifying_count == 1
    thirteen = enterprise(NOTICE.model_copy(update={"minimum_contract_months": 13}), [twelve, leap_day])
    assert thirteen.qualifying_count == 0
    two_days = enterprise(NOTICE.model_copy(update={"minimum_days_in_year": 2}), [starts_on_new_years_eve])
    assert two_days.snapshot["excluded"][0]["reasons"] == ["days_under_minimum"]


def test_placements_own_exclusions_stay_excluded_with_their_reasons():
    outside = contract("2013-01-01", "2013-12-31", year=YEAR, reasons=["not_in_programme_at_start"])
    no_contract = contract("2013-01-01", "2013-12-31", year=YEAR, reasons=["no_contract"])
    outcome = enterprise(NOTICE.model_copy(update={"minimum_contract_months": 1}), [outside, no_contract])
    assert outcome.qualifying_count == 0
    assert [c["reasons"] for c in outcome.snapshot["excluded"]] == [["not_in_programme_at_start"], ["no_contract"]]


def test_the_qihang_designation_on_at_least_one_day_of_the_year():
    lapsed_mid_year = enterprise(
        NOTICE, full_year(3), qihang_days=180, periods=[{"from_on": "2013-01-01", "to_on": "2013-06-29"}]
    )
    assert (lapsed_mid_year.eligible, lapsed_mid_year.amount) == (True, Decimal("10000.00"))
    assert lapsed_mid_year.snapshot["eligibility"]["qihang"]["days_in_year"] == 180
    never = enterprise(NOTICE, full_year(3), qihang_days=0)
    assert (never.eligible, never.amount, never.decidable) == (False, Decimal("0.00"), False)
    assert never.snapshot["eligibility"]["reasons"] == ["not_qihang_enterprise_in_year"]
    assert never.qualifying_count == 3  # the people are still shown
    not_required = enterprise(NOTICE.model_copy(update={"require_designation": False}), full_year(3), qihang_days=0)
    assert not_required.eligible is True


def test_per_person_with_a_cap():
    rule = EnterprisePlacementRule(
        type="enterprise_placement", method="per_person", amount_per_person="300.00", cap="1000.00"
    )
    three = enterprise(rule, full_year(3))
    assert three.amount == Decimal("900.00")
    five = enterprise(rule, full_year(5))
    assert five.amount == Decimal("1000.00")
    assert five.snapshot["computation"] | {} == {
        "method": "per_person",
        "headcount": 5,
        "amount_per_person": "300.00",
        "uncapped": "1500",
        "cap": "1000.00",
        "amount": "1000.00",
    }


def test_hiring_is_for_the_kinds_of_employer_the_policy_names():
    rule = HiringRule(type="hiring", amount_per_person="1000.00", cap="1500.00")
    shop = calculator.hiring(rule, facts(full_year(2), kind="individual_business"), year=YEAR, source=None)
    assert (shop.eligible, shop.amount) == (True, Decimal("1500.00"))
    factory = calculator.hiring(rule, facts(full_year(2), kind="enterprise"), year=YEAR, source=None)
    assert (factory.eligible, factory.amount) == (False, Decimal("0.00"))
    assert factory.snapshot["eligibility"]["reasons"] == ["employer_kind_not_covered"]


def test_social_insurance_counts_each_person_month_once():
    person = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
    rule = SocialInsuranceRule(type="social_insurance", monthly_amount="200.00", minimum_contract_months=1)
    outcome = calculator.social_insurance(
        rule,
        facts(
            [
                # 16 Jan .. 15 Apr: January has 16 days (counts), April 15 (counts): Jan-Apr.
                contract("2013-01-16", "2013-04-15", year=YEAR, person_id=person),
                # Overlaps March-April of the same person: no month twice; adds May (31 days).
                contract("2013-03-01", "2013-05-31", year=YEAR, person_id=person),
                # 17 Nov .. : November has 14 days (does not count), December counts.
                contract("2013-11-17", "2014-11-16", year=YEAR),
                # 20-31 Dec: 12 days, no month.
                contract("2013-12-20", "2014-12-19", year=YEAR),
            ]
        ),
        year=YEAR,
        source=None,
    )
    assert outcome.snapshot["computation"]["person_months"] == 6
    assert outcome.qualifying_count == 2
    assert outcome.amount == Decimal("1200.00")
    assert [c["months"] for c in outcome.snapshot["counted"]] == [[1, 2, 3, 4], [3, 4, 5], [12]]
    assert outcome.snapshot["excluded"][0]["reasons"] == ["no_month_reaches_minimum_days"]
    february = calculator.months_held(
        calculator.ContractFacts.model_validate(contract("2013-02-01", "2013-02-28", year=YEAR)), YEAR, 31
    )
    assert february == [2]  # a short month counts when held all of it


def test_a_post_pays_the_person_per_month_over_all_their_posts():
    person = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b"
    first = facts([contract("2013-01-01", "2013-06-30", year=YEAR, person_id=person, route="public_welfare_post")])
    second = facts(
        [
            contract(
                "2013-07-01",
                "2014-06-30",
                year=YEAR,
                person_id=person,
                route="public_welfare_post",
                jurisdiction="shapu",
            ),
            contract("2013-01-01", "2013-12-31", year=YEAR),  # not a post
        ]
    )
    (outcome,) = calculator.posts(
        PostRule(type="post", monthly_amount="300.00"), [first, second], year=YEAR, source=None
    )
    assert (outcome.beneficiary_kind, str(outcome.beneficiary_id), outcome.jurisdiction_code) == (
        "person",
        person,
        "shapu",
    )
    assert (outcome.qualifying_count, outcome.amount) == (12, Decimal("3600.00"))
    # A six-month post is counted despite placement's 12-month term check: posts have no minimum term.
    assert len(outcome.snapshot["counted"]) == 2


def test_self_employment_once_per_person_with_enough_days():
    rule = SelfEmploymentRule(type="self_employment", amount_per_person="2000.00", minimum_days_in_year=30)
    person, other = "6f7a8b9c-0d1e-4f2a-8b3c-4d5e6f7a8b9c", "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d"
    records = [
        SelfEmploymentFacts.model_validate(r)
        for r in (
            {"id": "00000000-0000-4000-8000-000000000001", "person_id": person, "jurisdiction_code": "dapu",
             "business_kind": "shop", "start_on": "2012-03-01", "end_on": None, "status": "active"},
            {"id": "00000000-0000-4000-8000-000000000002", "person_id": person, "jurisdiction_code": "dapu",
             "business_kind": "restaurant", "start_on": "2013-05-01", "end_on": None, "status": "active"},
            {"id": "00000000-0000-4000-8000-000000000003", "person_id": other, "jurisdiction_code": "shapu",
             "business_kind": "workshop", "start_on": "2013-12-10", "end_on": None, "status": "active"},
            {"id": "00000000-0000-4000-8000-000000000004", "person_id": other, "jurisdiction_code": "shapu",
             "business_kind": "workshop", "start_on": "2010-01-01", "end_on": "2012-12-31", "status": "ended"},
        )
    ]  # fmt: skip
    outcomes = {str(o.beneficiary_id): o for o in calculator.self_employments(rule, records, year=YEAR)}
    assert outcomes[person].amount == Decimal("2000.00") and outcomes[person].qualifying_count == 1
    assert outcomes[other].amount == Decimal("0.00")
    assert outcomes[other].snapshot["excluded"][0]["reasons"] == ["days_under_minimum"]
    assert len(outcomes[other].snapshot["excluded"]) == 1  # the record ended the year before is no evidence


def test_loan_interest_is_exact_until_one_half_up_rounding_after_the_cap():
    def loan(amount, rate, days, person="8b9c0d1e-2f3a-4b4c-8d5e-6f7a8b9c0d1e"):
        return LoanFacts.model_validate(
            {"loan_id": f"00000000-0000-4000-8000-{days:012d}",
             "self_employment_id": "00000000-0000-4000-8000-000000000009", "person_id": person,
             "jurisdiction_code": "dapu", "amount": amount, "annual_rate_percent": rate,
             "disbursed_on": "2013-03-01", "maturity_on": "2015-02-28", "interest_days": days}
        )  # fmt: skip

    rule = LoanInterestRule(type="loan_interest")
    # 50000 x 4.35% x 306 / 365 = 1823.4246575... ; 10000 x 5% x 73 / 365 = 100 exactly.
    (outcome,) = calculator.loan_interest(
        rule, [loan("50000.00", "4.3500", 306), loan("10000.00", "5.0000", 73)], year=YEAR
    )
    assert outcome.amount == Decimal("1923.42")
    lines = {line["principal"]: line for line in outcome.snapshot["counted"]}
    assert lines["50000.00"]["interest_exact"].startswith("1823.424657534246575342465")
    assert lines["10000.00"]["interest_exact"] == "100"
    # Half-up at the fen, once: 0.125 -> 0.13 (banker's rounding would give 0.12).
    (half,) = calculator.loan_interest(rule, [loan("365.00", "12.5000", 1)], year=YEAR)
    assert half.snapshot["counted"][0]["interest_exact"] == "0.125"
    assert half.amount == Decimal("0.13")
    assert to_fen(Decimal("0.125")) == Decimal("0.13") and to_fen(Decimal("0.135")) == Decimal("0.14")
    capped = calculator.loan_interest(
        rule.model_copy(update={"cap": Decimal("1000.00"), "share_percent": 50}),
        [loan("50000.00", "4.3500", 306)],
        year=YEAR,
    )
    assert capped[0].amount == Decimal("911.71")
    capped_low = calculator.loan_interest(
        rule.model_copy(update={"cap": Decimal("500.00")}), [loan("50000.00", "4.3500", 306)], year=YEAR
    )
    assert capped_low[0].amount == Decimal("500.00")


def test_tax_reduction_records_eligibility_without_money():
    outcome = calculator.tax_reduction(
        TaxReductionRule(type="tax_reduction"), facts(full_year(2)), year=YEAR, source=None
    )
    assert (outcome.qualifying_count, outcome.amount, outcome.decidable) == (2, Decimal("0.00"), True)


def test_the_evidence_hash_ignores_the_wording_of_placements_rule_only():
    contracts = full_year(2)
    first = enterprise(NOTICE, contracts)
    reworded = calculator.enterprise_placement(
        NOTICE,
        facts(contracts, employer_id=str(first.beneficiary_id)),
        year=YEAR,
        source=calculator.Source(definition="v2 words", registry_facts_as_of="2026-12-06T08:00:00+00:00"),
    )
    assert reworded.evidence_hash == first.evidence_hash
    one_less = calculator.enterprise_placement(
        NOTICE,
        facts(contracts[:1], employer_id=str(first.beneficiary_id)),
        year=YEAR,
        source=calculator.Source(definition="v1"),
    )
    assert one_less.evidence_hash != first.evidence_hash
