import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from subsidy.money import ROUNDING_RULE, Money
from subsidy.policies.rules import Rule
from subsidy.types import BeneficiaryKind, SubsidyTypeCode

PolicyStatus = Literal["draft", "published", "superseded"]
STATUS_LABELS_ZH: dict[str, str] = {"draft": "草稿", "published": "已发布", "superseded": "已被新版本取代"}

NOTICE_RULE_EXAMPLE = {
    "type": "enterprise_placement",
    "method": "tiered",
    "tiers": [
        {"min_headcount": 1, "max_headcount": 49, "amount": "10000.00"},
        {"min_headcount": 50, "max_headcount": 99, "amount": "20000.00"},
        {"min_headcount": 100, "max_headcount": None, "amount": "30000.00"},
    ],
    "minimum_contract_months": 12,
    "minimum_days_in_year": 1,
    "require_designation": True,
}


def _period_in_order(value: date, info: ValidationInfo) -> date:
    start = info.data.get("effective_from")
    if start is not None and value < start:
        raise ValueError("effective_to must not be before effective_from")
    return value


class PolicyCreate(BaseModel):
    """A new version of a year's policy (a draft): the server numbers it. Every type it has a rule for is evaluated
    under it once it is published; types without a rule are not."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    year: int = Field(ge=2012, le=2100, description="The year the policy is for.", examples=[2013])
    title: str = Field(min_length=1, max_length=200, examples=["2013年度“启航工程”企业安置经费补助标准"])
    effective_from: date = Field(description="First day the policy applies (ISO 8601).", examples=["2013-01-01"])
    effective_to: date = Field(
        description="Last day the policy applies; not before effective_from.", examples=["2013-12-31"]
    )
    rules: list[Rule] = Field(
        min_length=1,
        max_length=7,
        description="One rule per subsidy type (`type` tells which; see GET /api/v1/subsidy-types). Amounts are "
        "decimal strings in CNY with at most two places, never negative.",
        examples=[[NOTICE_RULE_EXAMPLE]],
    )
    notes: str | None = Field(default=None, max_length=4000, examples=["依据柳城政办〔2012〕84号"])

    _effective_to = field_validator("effective_to")(_period_in_order)


class PolicyUpdate(BaseModel):
    """Change a draft (send only what changes; `rules` replaces all the rules). A published version never changes:
    write a new version instead."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str | None = Field(default=None, min_length=1, max_length=200, examples=["修订稿"])
    effective_from: date | None = Field(default=None, examples=["2013-01-01"])
    effective_to: date | None = Field(default=None, examples=["2013-12-31"])
    rules: list[Rule] | None = Field(default=None, min_length=1, max_length=7, examples=[[NOTICE_RULE_EXAMPLE]])
    notes: str | None = Field(default=None, max_length=4000, examples=["依据柳城政办〔2012〕84号"])

    @model_validator(mode="after")
    def _something(self) -> "PolicyUpdate":
        if not self.model_fields_set:
            raise ValueError("send at least one field to change")
        for name in ("title", "effective_from", "effective_to", "rules"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class Difference(BaseModel):
    field: str = Field(
        description="Dotted path of what differs, e.g. rules.enterprise_placement.tiers.1.amount.",
        examples=["rules.enterprise_placement.tiers.1.amount"],
    )
    before: Any = Field(description="The value in the earlier version (null: not there).", examples=["20000.00"])
    after: Any = Field(description="The value in this version (null: not there).", examples=["25000.00"])


class PolicyRead(BaseModel):
    id: uuid.UUID = Field(examples=["0b6a3c55-8f2e-4a51-9f0c-2d9e7b1a4c36"])
    year: int = Field(examples=[2013])
    version: int = Field(description="1, 2, ... within the year; assigned by the server.", examples=[1])
    title: str = Field(examples=["2013年度“启航工程”企业安置经费补助标准"])
    status: PolicyStatus = Field(examples=["draft"])
    status_label_zh: str = Field(examples=["草稿"])
    frozen: bool = Field(
        description="Published (or superseded) versions never change; a change is a new version.", examples=[False]
    )
    used_by_decisions: bool = Field(description="Decisions rest on this version.", examples=[False])
    effective_from: date = Field(examples=["2013-01-01"])
    effective_to: date = Field(examples=["2013-12-31"])
    rules: list[Rule] = Field(description="One rule per subsidy type, with every default written out.")
    rounding: str = Field(
        description="Where and how amounts are rounded (the same for every policy).", examples=[ROUNDING_RULE]
    )
    notes: str | None = Field(examples=["依据柳城政办〔2012〕84号"])
    differences_from_previous: list[Difference] | None = Field(
        description="What differs from the year's previous version (null for version 1).", examples=[[]]
    )
    created_by: str = Field(description="Subject of the user who wrote the draft.")
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    published_by: str | None = Field(description="Subject of the user who published it.")
    superseded_at: datetime | None = Field(description="When a newer version of the year was published.")
    row_version: int = Field(description='Changes on every edit of a draft; the ETag is "<row_version>".', examples=[1])


class PolicyDifferences(BaseModel):
    policy_id: uuid.UUID
    version: int = Field(examples=[2])
    against_policy_id: uuid.UUID
    against_version: int = Field(examples=[1])
    differences: list[Difference]


class TierRead(BaseModel):
    min_headcount: int = Field(examples=[50])
    max_headcount: int | None = Field(description="null: no upper bound.", examples=[99])
    amount: Money = Field(description="Decimal string in CNY, two places.", examples=["20000.00"])
    label_zh: str = Field(description="The tier in words.", examples=["50–99人"])


class TierForHeadcount(BaseModel):
    policy_id: uuid.UUID
    year: int = Field(examples=[2013])
    version: int = Field(examples=[1])
    status: PolicyStatus = Field(description="Decisions may only rest on a published policy.", examples=["published"])
    headcount: int = Field(description="The headcount asked about.", examples=[50])
    minimum_contract_months: int = Field(
        description="Only people with a contract at least this long count towards the headcount.", examples=[12]
    )
    tier: TierRead


class SubsidyTypeRead(BaseModel):
    code: SubsidyTypeCode = Field(examples=["enterprise_placement"])
    label_zh: str = Field(examples=["启航工程企业安置补助"])
    beneficiary: BeneficiaryKind = Field(description="employer or person (a registry id).", examples=["employer"])
    pays_money: bool = Field(description="false: a record of eligibility only (amount 0.00).", examples=[True])
    description: str
