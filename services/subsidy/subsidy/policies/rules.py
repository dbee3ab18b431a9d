"""The rule of each subsidy type as data (one schema per type, told apart by `type`): what a policy version says
counts and what it pays. The same schemas are written by finance, stored in the policy (JSONB), copied into every
decision that used them, and compared between versions."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.errors import FieldError
from subsidy.money import MoneyIn

EMPLOYER_KINDS = ("enterprise", "individual_business", "private_owner", "public_institution")
EmployerKind = Literal["enterprise", "individual_business", "private_owner", "public_institution"]

MinimumContractMonths = Annotated[
    int,
    Field(
        ge=1,
        le=120,
        description="Shortest fixed-term contract that counts, in whole months (open-ended contracts always "
        "count). 12 by default (the notice: one year or more); a contract from 2012-02-29 to 2013-02-28 is 12 "
        "months.",
        examples=[12],
    ),
]
MinimumDaysInYear = Annotated[
    int,
    Field(
        ge=1,
        le=366,
        description="Fewest days of the year the contract (or record) must have been in force; 1 by default.",
        examples=[1],
    ),
]
DaysForAMonth = Annotated[
    int,
    Field(
        ge=1,
        le=31,
        description="A calendar month counts when the post or job was held on at least this many of its days "
        "(all of them for a shorter month); 15 by default.",
        examples=[15],
    ),
]


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Tier(_Rule):
    min_headcount: int = Field(
        ge=1, le=1_000_000, description="Smallest headcount in this tier (inclusive).", examples=[50]
    )
    max_headcount: int | None = Field(
        default=None,
        ge=1,
        le=1_000_000,
        description="Largest headcount in this tier (inclusive); null or left out for no upper bound (the highest "
        "tier only).",
        examples=[99],
    )
    amount: MoneyIn = Field(description="Yearly amount in CNY for an enterprise in this tier.", examples=["20000.00"])


class EnterprisePlacementRule(_Rule):
    """企业安置补助: by tier (the notice's reading: 1-49, 50-99, 100 and more) or per person with an optional cap."""

    type: Literal["enterprise_placement"] = Field(examples=["enterprise_placement"])
    method: Literal["tiered", "per_person"] = Field(
        default="tiered",
        description="tiered: the amount of the tier the headcount falls in; per_person: amount_per_person x "
        "headcount, at most `cap`.",
        examples=["tiered"],
    )
    tiers: list[Tier] | None = Field(
        default=None,
        min_length=1,
        max_length=20,
        description="With method tiered: contiguous, not overlapping, starting at 1, the highest open-ended.",
        examples=[
            [
                {"min_headcount": 1, "max_headcount": 49, "amount": "10000.00"},
                {"min_headcount": 50, "max_headcount": 99, "amount": "20000.00"},
                {"min_headcount": 100, "max_headcount": None, "amount": "30000.00"},
            ]
        ],
    )
    amount_per_person: MoneyIn | None = Field(
        default=None, description="With method per_person: CNY per counted person.", examples=["300.00"]
    )
    cap: MoneyIn | None = Field(
        default=None, description="With method per_person: the most one enterprise gets in the year.", examples=[None]
    )
    minimum_contract_months: MinimumContractMonths = 12
    minimum_days_in_year: MinimumDaysInYear = 1
    require_designation: bool = Field(
        default=True,
        description="The employer must hold the Qihang designation (启航工程企业认定) on at least one day of the year.",
        examples=[True],
    )


class HiringRule(_Rule):
    """个体工商户、私营业主吸纳就业补贴: per person hired on a qualifying contract."""

    type: Literal["hiring"] = Field(examples=["hiring"])
    amount_per_person: MoneyIn = Field(description="CNY per person hired.", examples=["1000.00"])
    cap: MoneyIn | None = Field(default=None, description="The most one employer gets in the year.", examples=[None])
    employer_kinds: list[EmployerKind] = Field(
        default=["individual_business", "private_owner"],
        min_length=1,
        description="The kinds of employer this subsidy is for (the notice: individual businesses and private owners).",
        examples=[["individual_business", "private_owner"]],
    )
    minimum_contract_months: MinimumContractMonths = 12
    minimum_days_in_year: MinimumDaysInYear = 1


class SelfEmploymentRule(_Rule):
    """创业帮扶: per person with a self-employment record in the year."""

    type: Literal["self_employment"] = Field(examples=["self_employment"])
    amount_per_person: MoneyIn = Field(description="CNY per self-employed person.", examples=["2000.00"])
    minimum_days_in_year: MinimumDaysInYear = 1


class PostRule(_Rule):
    """岗位补贴: per person and month on a public-welfare post."""

    type: Literal["post"] = Field(examples=["post"])
    monthly_amount: MoneyIn = Field(description="CNY per person and counted month.", examples=["300.00"])
    days_for_a_month: DaysForAMonth = 15


class SocialInsuranceRule(_Rule):
    """社会保险补贴: per employer, for each person and month of insured employment."""

    type: Literal["social_insurance"] = Field(examples=["social_insurance"])
    monthly_amount: MoneyIn = Field(description="CNY per person and counted month.", examples=["200.00"])
    days_for_a_month: DaysForAMonth = 15
    minimum_contract_months: MinimumContractMonths = 12


class LoanInterestRule(_Rule):
    """小额担保贷款贴息: principal x rate x days / 365 over the days of the year each loan ran."""

    type: Literal["loan_interest"] = Field(examples=["loan_interest"])
    share_percent: Annotated[
        int,
        Field(
            ge=1,
            le=100,
            description="Share of the interest the county pays, in percent (100: all of it).",
            examples=[100],
        ),
    ] = 100
    cap: MoneyIn | None = Field(default=None, description="The most one person gets in the year.", examples=["5000.00"])


class TaxReductionRule(_Rule):
    """税收减免: the record that an employer hiring on qualifying contracts is eligible; no money."""

    type: Literal["tax_reduction"] = Field(examples=["tax_reduction"])
    minimum_contract_months: MinimumContractMonths = 12
    minimum_days_in_year: MinimumDaysInYear = 1


Rule = Annotated[
    EnterprisePlacementRule
    | HiringRule
    | SelfEmploymentRule
    | PostRule
    | SocialInsuranceRule
    | LoanInterestRule
    | TaxReductionRule,
    Field(discriminator="type"),
]


class _RuleList(BaseModel):
    """Helper to validate stored rules back into their schemas."""

    rules: list[Rule]


def parse_rules(stored: dict) -> dict[str, BaseModel]:
    """Stored rules (type -> rule dict) as their schemas."""
    return {rule.type: rule for rule in _RuleList(rules=list(stored.values())).rules}


def dump_rules(rules: list[BaseModel]) -> dict:
    """Rules as stored: type -> the rule's JSON (amounts as decimal strings), every default written out, tiers from
    the lowest headcount up (so two versions compare tier by tier)."""
    stored = {}
    for rule in rules:
        data = rule.model_dump(mode="json")
        if data.get("tiers"):
            data["tiers"] = sorted(data["tiers"], key=lambda tier: tier["min_headcount"])
        stored[rule.type] = data
    return stored


def tier_errors(tiers: list[Tier], prefix: str) -> list[FieldError]:
    """Why these tiers do not cover every headcount from 1 up exactly once, as errors on the offending fields."""
    errors: list[FieldError] = []

    def error(index: int, field: str, message: str) -> None:
        entry = FieldError(field=f"{prefix}.{index}.{field}", message=message)
        if entry not in errors:
            errors.append(entry)

    ordered = sorted(enumerate(tiers), key=lambda pair: pair[1].min_headcount)
    for position, (index, tier) in enumerate(ordered):
        if tier.max_headcount is not None and tier.max_headcount < tier.min_headcount:
            error(index, "max_headcount", f"must be at least min_headcount ({tier.min_headcount}), or null")
        if position == 0:
            if tier.min_headcount != 1:
                error(index, "min_headcount", "the lowest tier must start at 1, so every headcount is covered")
        else:
            previous_index, previous = ordered[position - 1]
            if previous.max_headcount is None:
                error(
                    previous_index,
                    "max_headcount",
                    f"only the highest tier may be open-ended (null); a tier starting at {tier.min_headcount} follows",
                )
            elif tier.min_headcount <= previous.max_headcount:
                error(
                    index,
                    "min_headcount",
                    f"overlaps the tier {previous.min_headcount}-{previous.max_headcount}; "
                    f"it must start at {previous.max_headcount + 1}",
                )
            elif tier.min_headcount > previous.max_headcount + 1:
                first, last = previous.max_headcount + 1, tier.min_headcount - 1
                gap = str(first) if first == last else f"{first}-{last}"
                error(index, "min_headcount", f"leaves {gap} uncovered; it must start at {first}")
        if position == len(ordered) - 1 and tier.max_headcount is not None:
            error(
                index,
                "max_headcount",
                f"the highest tier must be open-ended (null), or headcounts above {tier.max_headcount} get no tier",
            )
    return errors


def rule_errors(rules: list[BaseModel], prefix: str = "body.rules") -> list[FieldError]:
    """What is wrong with a policy's rules beyond each field's own limits: one rule per type, tiers that cover
    every headcount once, and the fields each enterprise method needs."""
    errors: list[FieldError] = []
    seen: dict[str, int] = {}
    for index, rule in enumerate(rules):
        where = f"{prefix}.{index}"
        if rule.type in seen:
            errors.append(
                FieldError(field=f"{where}.type", message=f"{rule.type} already has a rule (#{seen[rule.type]})")
            )
        seen.setdefault(rule.type, index)
        if isinstance(rule, EnterprisePlacementRule):
            if rule.method == "tiered":
                if not rule.tiers:
                    errors.append(FieldError(field=f"{where}.tiers", message="required with method tiered"))
                else:
                    errors += tier_errors(rule.tiers, f"{where}.tiers")
                for name in ("amount_per_person", "cap"):
                    if getattr(rule, name) is not None:
                        errors.append(FieldError(field=f"{where}.{name}", message="only with method per_person"))
            else:
                if rule.amount_per_person is None:
                    errors.append(
                        FieldError(field=f"{where}.amount_per_person", message="required with method per_person")
                    )
                if rule.tiers is not None:
                    errors.append(FieldError(field=f"{where}.tiers", message="only with method tiered"))
        if isinstance(rule, HiringRule) and len(set(rule.employer_kinds)) != len(rule.employer_kinds):
            errors.append(FieldError(field=f"{where}.employer_kinds", message="names a kind twice"))
    return errors
