"""What each subsidy type gives each beneficiary under a rule, from placement's facts: pure functions, no I/O.

Every outcome carries its evidence snapshot: the rule applied, whether the beneficiary is eligible and why not, every
counted and every excluded contract, record or loan with its reasons (registry ids only), and how the amount was
computed. Amounts are exact Decimals until `to_fen`, applied once per outcome after the cap (subsidy.money).

Per contract, placement's own rule comes first (its `reasons`: no contract, not in force in the year, and whatever
else its stated definition excludes); its fixed 12-month term check is replaced by the policy's minimum term, and the
policy's minimum days in the year is added. Reasons this service adds: `term_under_minimum`,
`days_under_minimum`, `no_month_reaches_minimum_days`."""

from __future__ import annotations

import calendar
import hashlib
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import Any

import orjson
from pydantic import BaseModel

from subsidy.evidence.schemas import ContractFacts, EmployerFacts, LoanFacts, SelfEmploymentFacts
from subsidy.money import EXACT, ZERO, exact, to_fen
from subsidy.policies.rules import (
    EnterprisePlacementRule,
    HiringRule,
    LoanInterestRule,
    PostRule,
    SelfEmploymentRule,
    SocialInsuranceRule,
    TaxReductionRule,
)
from subsidy.types import SUBSIDY_TYPES

PLACEMENT_TERM_REASON = "term_under_12_months"
"""Placement's own term check, replaced here by the policy's minimum term."""
PUBLIC_WELFARE_POST = "public_welfare_post"
EMPLOYER_TYPES = ("enterprise_placement", "hiring", "social_insurance", "tax_reduction")
PERSON_TYPES = ("self_employment", "post", "loan_interest")
NEEDS_EMPLOYER_EVIDENCE = frozenset({*EMPLOYER_TYPES, "post"})
DAY_BASIS = Decimal(365)


@dataclass(frozen=True, slots=True)
class Source:
    """Where the employers' facts came from: placement's rule (its version and wording) and how fresh its registry
    facts were. Kept in each snapshot, left out of its hash."""

    definition: str | None = None
    definition_version: str | None = None
    registry_facts_as_of: str | None = None


@dataclass(frozen=True)
class Outcome:
    subsidy_type: str
    beneficiary_kind: str
    beneficiary_id: uuid.UUID
    jurisdiction_code: str
    eligible: bool
    qualifying_count: int
    tier: str | None
    tier_label_zh: str | None
    amount: Decimal
    snapshot: dict[str, Any]

    @cached_property
    def evidence_hash(self) -> str:
        """Computed once, when first asked (most outcomes of a year are never compared: they decide nothing)."""
        return snapshot_hash(self.snapshot)

    @property
    def decidable(self) -> bool:
        """Worth a decision of its own: eligible and counting someone."""
        return self.eligible and self.qualifying_count > 0

    @property
    def counted_keys(self) -> list[str]:
        return [str(line[COUNTED_KEY[self.subsidy_type]]) for line in self.snapshot["counted"]]


COUNTED_KEY = {
    "enterprise_placement": "person_id",
    "hiring": "person_id",
    "social_insurance": "person_id",
    "tax_reduction": "person_id",
    "post": "placement_id",
    "self_employment": "self_employment_id",
    "loan_interest": "loan_id",
}


NOT_HASHED = frozenset({"definition", "source"})
"""Parts of a snapshot that say where the facts came from, not what they are: placement's wording of its rule and
how fresh its registry facts were. A re-read with the same facts is not a change of evidence."""


def snapshot_hash(snapshot: dict[str, Any]) -> str:
    """sha256 of what decides the amount (NOT_HASHED left out), over its canonical JSON (keys sorted, compact,
    UTF-8): a year's evaluation hashes thousands of snapshots, so orjson, not the json module."""
    decisive = {k: v for k, v in snapshot.items() if k not in NOT_HASHED}
    return hashlib.sha256(orjson.dumps(decisive, option=orjson.OPT_SORT_KEYS)).hexdigest()


def tier_code(min_headcount: int, max_headcount: int | None) -> str:
    return f"{min_headcount}+" if max_headcount is None else f"{min_headcount}-{max_headcount}"


def tier_label_zh(min_headcount: int, max_headcount: int | None) -> str:
    if max_headcount is None:
        return f"{min_headcount}人及以上"
    if max_headcount == min_headcount:
        return f"{min_headcount}人"
    return f"{min_headcount}–{max_headcount}人"


# --- contracts --------------------------------------------------------------------------------------------------


@dataclass
class Lines:
    """What one evaluation computes once per contract and every type reuses: its evidence line (the same dict in
    every snapshot that lists it: snapshots are only read) and its months per minimum of days."""

    year: int
    lines: dict[uuid.UUID, dict[str, Any]] = field(default_factory=dict)
    months: dict[tuple[uuid.UUID, int], list[int]] = field(default_factory=dict)

    def line(self, contract: ContractFacts) -> dict[str, Any]:
        found = self.lines.get(contract.placement_id)
        if found is None:
            found = self.lines[contract.placement_id] = {
                "placement_id": str(contract.placement_id),
                "person_id": str(contract.person_id),
                "route": contract.route,
                "start_on": contract.start_on.isoformat(),
                "end_on": contract.end_on.isoformat() if contract.end_on else None,
                "open_ended": contract.open_ended,
                "term_months": contract.term_months,
                "ended_on": contract.ended_on.isoformat() if contract.ended_on else None,
                "in_force_from": contract.in_force_from.isoformat() if contract.in_force_from else None,
                "in_force_to": contract.in_force_to.isoformat() if contract.in_force_to else None,
                "days_in_force_in_year": contract.days_in_force_in_year,
                "programme_at_start": contract.programme_at_start,
            }
        return found

    def months_held(self, contract: ContractFacts, days_for_a_month: int) -> list[int]:
        key = (contract.placement_id, days_for_a_month)
        found = self.months.get(key)
        if found is None:
            found = self.months[key] = months_held(contract, self.year, days_for_a_month)
        return found


def _contract_line(contract: ContractFacts, lines: Lines, **extra: Any) -> dict[str, Any]:
    base = lines.line(contract)
    return {**base, **extra} if extra else base


def contract_reasons(contract: ContractFacts, *, minimum_months: int | None, minimum_days: int) -> list[str]:
    """Why a contract does not count under the policy: placement's reasons (its 12-month check swapped for the
    policy's `minimum_months`; None: no minimum term), then the policy's minimum days in the year."""
    reasons = [r for r in contract.reasons if r != PLACEMENT_TERM_REASON]
    term_short = not contract.open_ended and (contract.term_months or 0) < (minimum_months or 0)
    if minimum_months is not None and "no_contract" not in reasons and term_short:
        reasons.append("term_under_minimum")
    if contract.days_in_force_in_year > 0 and contract.days_in_force_in_year < minimum_days:
        reasons.append("days_under_minimum")
    return reasons


def _month_spans(year: int) -> list[tuple[int, int, int, int]]:
    """(month, first day's ordinal, last day's ordinal, length) of each month of `year`."""
    spans = []
    for month in range(1, 13):
        length = calendar.monthrange(year, month)[1]
        spans.append((month, date(year, month, 1).toordinal(), date(year, month, length).toordinal(), length))
    return spans


_SPANS: dict[int, list[tuple[int, int, int, int]]] = {}


def months_held(contract: ContractFacts, year: int, days_for_a_month: int) -> list[int]:
    """The calendar months of `year` in which the contract was in force on at least `days_for_a_month` days (all of
    them for a shorter month)."""
    if contract.in_force_from is None or contract.in_force_to is None:
        return []
    spans = _SPANS.get(year) or _SPANS.setdefault(year, _month_spans(year))
    since, until = contract.in_force_from.toordinal(), contract.in_force_to.toordinal()
    months = []
    for month, first, last, length in spans:
        start, end = max(first, since), min(last, until)
        if start <= end and end - start + 1 >= min(days_for_a_month, length):
            months.append(month)
    return months


def _split(
    contracts: Iterable[ContractFacts], lines: Lines, *, minimum_months: int | None, minimum_days: int
) -> tuple[list[ContractFacts], list[dict[str, Any]]]:
    counted, excluded = [], []
    for contract in contracts:
        reasons = contract_reasons(contract, minimum_months=minimum_months, minimum_days=minimum_days)
        if reasons:
            excluded.append(_contract_line(contract, lines, reasons=reasons))
        else:
            counted.append(contract)
    return counted, excluded


def _employer_eligibility(employer: EmployerFacts, reasons: list[str]) -> dict[str, Any]:
    return {
        "eligible": not reasons,
        "reasons": reasons,
        "employer_kind": employer.kind,
        "qihang": employer.qihang.model_dump(mode="json"),
    }


def _employer_outcome(
    subsidy_type: str,
    employer: EmployerFacts,
    reasons: list[str],
    *,
    rule: BaseModel,
    source: Source | None,
    **rest: Any,
) -> Outcome:
    """The outcome of a subsidy paid to an employer: its id, jurisdiction and eligibility (`reasons` against it)."""
    return _outcome(
        subsidy_type,
        employer.employer_id,
        employer.jurisdiction_code,
        rule=rule,
        source=source,
        eligibility=_employer_eligibility(employer, reasons),
        **rest,
    )


def _outcome(
    subsidy_type: str,
    beneficiary_id: uuid.UUID,
    jurisdiction_code: str,
    *,
    rule: BaseModel,
    source: Source | None,
    eligibility: dict[str, Any],
    counted: list[dict[str, Any]],
    excluded: list[dict[str, Any]],
    qualifying_count: int,
    computation: dict[str, Any],
    amount: Decimal,
    tier: tuple[str, str] | None = None,
) -> Outcome:
    eligible = eligibility["eligible"]
    final = to_fen(amount) if eligible else ZERO
    computation = computation | {"amount": f"{final:.2f}"}
    snapshot = {
        "rule": rule.model_dump(mode="json"),
        "definition": source.definition if source else None,
        "source": {
            "definition_version": source.definition_version if source else None,
            "registry_facts_as_of": source.registry_facts_as_of if source else None,
        },
        "eligibility": eligibility,
        "counted": counted,
        "excluded": excluded,
        "computation": computation,
    }
    return Outcome(
        subsidy_type=subsidy_type,
        beneficiary_kind=SUBSIDY_TYPES[subsidy_type].beneficiary,
        beneficiary_id=beneficiary_id,
        jurisdiction_code=jurisdiction_code,
        eligible=eligible,
        qualifying_count=qualifying_count,
        tier=tier[0] if tier and eligible else None,
        tier_label_zh=tier[1] if tier and eligible else None,
        amount=final,
        snapshot=snapshot,
    )


def _capped(uncapped: Decimal, cap: Decimal | None) -> tuple[Decimal, dict[str, Any]]:
    capped = min(uncapped, cap) if cap is not None else uncapped
    return capped, {"uncapped": exact(uncapped), "cap": f"{cap:.2f}" if cap is not None else None}


def _per_person(amount_per_person: Decimal, headcount: int, cap: Decimal | None) -> tuple[Decimal, dict[str, Any]]:
    """`amount_per_person` for each person counted, up to `cap`: the amount, and the computation that says so."""
    amount, capping = _capped(EXACT.multiply(amount_per_person, Decimal(headcount)), cap)
    computation = {"method": "per_person", "headcount": headcount, "amount_per_person": f"{amount_per_person:.2f}"}
    return amount, computation | capping


# --- employer types ---------------------------------------------------------------------------------------------


def enterprise_placement(
    rule: EnterprisePlacementRule,
    employer: EmployerFacts,
    *,
    year: int,
    source: Source | None,
    lines: Lines | None = None,
) -> Outcome:
    lines = lines or Lines(year)
    reasons = [] if employer.qihang.held_in_year or not rule.require_designation else ["not_qihang_enterprise_in_year"]
    counted, excluded = _split(
        employer.contracts, lines, minimum_months=rule.minimum_contract_months, minimum_days=rule.minimum_days_in_year
    )
    people = list(dict.fromkeys(c.person_id for c in counted))
    headcount = len(people)
    tier = None
    if rule.method == "tiered":
        band = next(
            (
                t
                for t in rule.tiers or []
                if t.min_headcount <= headcount and (t.max_headcount is None or headcount <= t.max_headcount)
            ),
            None,
        )
        amount = band.amount if band is not None else ZERO
        computation: dict[str, Any] = {
            "method": "tiered",
            "headcount": headcount,
            "tier": band.model_dump(mode="json") if band is not None else None,
        }
        if band is not None:
            tier = (
                tier_code(band.min_headcount, band.max_headcount),
                tier_label_zh(band.min_headcount, band.max_headcount),
            )
    else:
        amount, computation = _per_person(rule.amount_per_person or ZERO, headcount, rule.cap)
    return _employer_outcome(
        "enterprise_placement",
        employer,
        reasons,
        rule=rule,
        source=source,
        counted=[_contract_line(c, lines) for c in counted],
        excluded=excluded,
        qualifying_count=headcount,
        computation=computation,
        amount=amount,
        tier=tier,
    )


def hiring(
    rule: HiringRule, employer: EmployerFacts, *, year: int, source: Source | None, lines: Lines | None = None
) -> Outcome:
    lines = lines or Lines(year)
    reasons = [] if employer.kind in rule.employer_kinds else ["employer_kind_not_covered"]
    counted, excluded = _split(
        employer.contracts, lines, minimum_months=rule.minimum_contract_months, minimum_days=rule.minimum_days_in_year
    )
    headcount = len({c.person_id for c in counted})
    amount, computation = _per_person(rule.amount_per_person, headcount, rule.cap)
    return _employer_outcome(
        "hiring",
        employer,
        reasons,
        rule=rule,
        source=source,
        counted=[_contract_line(c, lines) for c in counted],
        excluded=excluded,
        qualifying_count=headcount,
        computation=computation,
        amount=amount,
    )


def social_insurance(
    rule: SocialInsuranceRule,
    employer: EmployerFacts,
    *,
    year: int,
    source: Source | None,
    lines: Lines | None = None,
) -> Outcome:
    lines = lines or Lines(year)
    candidates, excluded = _split(
        employer.contracts, lines, minimum_months=rule.minimum_contract_months, minimum_days=1
    )
    months_of: dict[uuid.UUID, set[int]] = {}
    counted = []
    for contract in candidates:
        months = lines.months_held(contract, rule.days_for_a_month)
        if not months:
            excluded.append(_contract_line(contract, lines, reasons=["no_month_reaches_minimum_days"]))
            continue
        counted.append(_contract_line(contract, lines, months=months))
        months_of.setdefault(contract.person_id, set()).update(months)
    person_months = sum(len(m) for m in months_of.values())
    amount = EXACT.multiply(rule.monthly_amount, Decimal(person_months))
    return _employer_outcome(
        "social_insurance",
        employer,
        [],
        rule=rule,
        source=source,
        counted=counted,
        excluded=excluded,
        qualifying_count=len(months_of),
        computation={
            "method": "per_person_month",
            "people": len(months_of),
            "person_months": person_months,
            "monthly_amount": f"{rule.monthly_amount:.2f}",
        },
        amount=amount,
    )


def tax_reduction(
    rule: TaxReductionRule, employer: EmployerFacts, *, year: int, source: Source | None, lines: Lines | None = None
) -> Outcome:
    lines = lines or Lines(year)
    counted, excluded = _split(
        employer.contracts, lines, minimum_months=rule.minimum_contract_months, minimum_days=rule.minimum_days_in_year
    )
    headcount = len({c.person_id for c in counted})
    return _employer_outcome(
        "tax_reduction",
        employer,
        [],
        rule=rule,
        source=source,
        counted=[_contract_line(c, lines) for c in counted],
        excluded=excluded,
        qualifying_count=headcount,
        computation={"method": "eligibility_only", "headcount": headcount},
        amount=ZERO,
    )


# --- person types -----------------------------------------------------------------------------------------------


def posts(
    rule: PostRule,
    employers: Sequence[EmployerFacts],
    *,
    year: int,
    source: Source | None,
    lines: Lines | None = None,
) -> list[Outcome]:
    lines = lines or Lines(year)
    """One outcome per person with a public-welfare post in the year (at any employer)."""
    by_person: dict[uuid.UUID, list[tuple[EmployerFacts, ContractFacts]]] = {}
    for employer in employers:
        for contract in employer.contracts:
            if contract.route == PUBLIC_WELFARE_POST:
                by_person.setdefault(contract.person_id, []).append((employer, contract))
    outcomes = []
    for person_id, held in by_person.items():
        counted, excluded, months = [], [], set()
        for employer, contract in held:
            reasons = contract_reasons(contract, minimum_months=None, minimum_days=1)
            held_months = [] if reasons else lines.months_held(contract, rule.days_for_a_month)
            if not reasons and not held_months:
                reasons = ["no_month_reaches_minimum_days"]
            line = _contract_line(contract, lines, employer_id=str(employer.employer_id))
            if reasons:
                excluded.append(line | {"reasons": reasons})
            else:
                counted.append(line | {"months": held_months})
                months.update(held_months)
        latest = max(held, key=lambda pair: pair[1].start_on)[1]
        outcomes.append(
            _outcome(
                "post",
                person_id,
                latest.person_jurisdiction_code,
                rule=rule,
                source=source,
                eligibility={"eligible": True, "reasons": []},
                counted=counted,
                excluded=excluded,
                qualifying_count=len(months),
                computation={
                    "method": "per_month",
                    "months": sorted(months),
                    "monthly_amount": f"{rule.monthly_amount:.2f}",
                },
                amount=EXACT.multiply(rule.monthly_amount, Decimal(len(months))),
            )
        )
    return outcomes


def days_in_year(start_on: date, end_on: date | None, year: int) -> int:
    first, last = date(year, 1, 1), date(year, 12, 31)
    start, end = max(start_on, first), min(end_on or last, last)
    return (end - start).days + 1 if start <= end else 0


def self_employments(rule: SelfEmploymentRule, records: Sequence[SelfEmploymentFacts], *, year: int) -> list[Outcome]:
    """One outcome per person with a self-employment record concerning the year."""
    by_person: dict[uuid.UUID, list[SelfEmploymentFacts]] = {}
    for record in records:
        if record.start_on <= date(year, 12, 31) and (record.end_on is None or record.end_on >= date(year, 1, 1)):
            by_person.setdefault(record.person_id, []).append(record)
    outcomes = []
    for person_id, held in by_person.items():
        counted, excluded = [], []
        for record in sorted(held, key=lambda r: (r.start_on, str(r.id))):
            days = days_in_year(record.start_on, record.end_on, year)
            line = {
                "self_employment_id": str(record.id),
                "person_id": str(record.person_id),
                "business_kind": record.business_kind,
                "start_on": record.start_on.isoformat(),
                "end_on": record.end_on.isoformat() if record.end_on else None,
                "days_in_year": days,
            }
            if days < rule.minimum_days_in_year:
                excluded.append(line | {"reasons": ["days_under_minimum"]})
            else:
                counted.append(line)
        latest = max(held, key=lambda r: r.start_on)
        outcomes.append(
            _outcome(
                "self_employment",
                person_id,
                latest.jurisdiction_code,
                rule=rule,
                source=None,
                eligibility={"eligible": True, "reasons": []},
                counted=counted,
                excluded=excluded,
                qualifying_count=1 if counted else 0,
                computation={"method": "per_person", "amount_per_person": f"{rule.amount_per_person:.2f}"},
                amount=rule.amount_per_person if counted else ZERO,
            )
        )
    return outcomes


def loan_interest(rule: LoanInterestRule, loans: Sequence[LoanFacts], *, year: int) -> list[Outcome]:
    """One outcome per person with loans bearing interest in the year: principal x rate x days / 365 per loan, times
    the county's share, summed, capped, then rounded once."""
    by_person: dict[uuid.UUID, list[LoanFacts]] = {}
    for loan in loans:
        by_person.setdefault(loan.person_id, []).append(loan)
    share = Decimal(rule.share_percent) / Decimal(100)
    outcomes = []
    for person_id, held in by_person.items():
        counted, total = [], Decimal(0)
        for loan in sorted(held, key=lambda item: (item.disbursed_on, str(item.loan_id))):
            interest = EXACT.divide(
                EXACT.multiply(
                    EXACT.multiply(loan.amount, EXACT.divide(loan.annual_rate_percent, Decimal(100))),
                    Decimal(loan.interest_days),
                ),
                DAY_BASIS,
            )
            subsidised = EXACT.multiply(interest, share)
            total = EXACT.add(total, subsidised)
            counted.append(
                {
                    "loan_id": str(loan.loan_id),
                    "self_employment_id": str(loan.self_employment_id),
                    "person_id": str(loan.person_id),
                    "principal": f"{loan.amount:.2f}",
                    "annual_rate_percent": str(loan.annual_rate_percent),
                    "disbursed_on": loan.disbursed_on.isoformat(),
                    "maturity_on": loan.maturity_on.isoformat(),
                    "interest_days": loan.interest_days,
                    "interest_exact": exact(interest),
                    "subsidised_exact": exact(subsidised),
                }
            )
        amount, capping = _capped(total, rule.cap)
        latest = max(held, key=lambda item: item.disbursed_on)
        outcomes.append(
            _outcome(
                "loan_interest",
                person_id,
                latest.jurisdiction_code,
                rule=rule,
                source=None,
                eligibility={"eligible": True, "reasons": []},
                counted=counted,
                excluded=[],
                qualifying_count=len(counted),
                computation={
                    "method": "principal_x_rate_x_days_over_365",
                    "share_percent": rule.share_percent,
                }
                | capping,
                amount=amount,
            )
        )
    return outcomes


def evaluate(
    rules: dict[str, BaseModel],
    *,
    year: int,
    types: Iterable[str],
    employers: Sequence[EmployerFacts],
    records: Sequence[SelfEmploymentFacts],
    loans: Sequence[LoanFacts],
    source: Source | None,
) -> list[Outcome]:
    """Every outcome of the year under `rules` for the types asked (those the rules cover), beneficiary by
    beneficiary."""
    outcomes: list[Outcome] = []
    lines = Lines(year)
    per_employer = {
        "enterprise_placement": enterprise_placement,
        "hiring": hiring,
        "social_insurance": social_insurance,
        "tax_reduction": tax_reduction,
    }
    for subsidy_type in types:
        rule = rules.get(subsidy_type)
        if rule is None:
            continue
        if subsidy_type in per_employer:
            outcomes += [per_employer[subsidy_type](rule, e, year=year, source=source, lines=lines) for e in employers]
        elif subsidy_type == "post":
            outcomes += posts(rule, employers, year=year, source=source, lines=lines)
        elif subsidy_type == "self_employment":
            outcomes += self_employments(rule, records, year=year)
        elif subsidy_type == "loan_interest":
            outcomes += loan_interest(rule, loans, year=year)
    return outcomes
