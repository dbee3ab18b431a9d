import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from subsidy.money import Money
from subsidy.policies.rules import Rule
from subsidy.types import BeneficiaryKind, SubsidyTypeCode

EvaluationStatus = Literal["queued", "running", "succeeded", "failed", "interrupted"]
STATUS_LABELS_ZH: dict[str, str] = {
    "queued": "排队中",
    "running": "评估中",
    "succeeded": "已完成",
    "failed": "失败",
    "interrupted": "已中断",
}
Phase = Literal["queued", "fetching", "deciding", "done"]


class EvaluationCreate(BaseModel):
    """Evaluate a year under its published policy: every type the policy has a rule for (or those named), for every
    beneficiary with evidence (or, for employer types only, the employers named)."""

    model_config = ConfigDict(extra="forbid")

    year: int = Field(ge=2012, le=2100, description="The year to decide.", examples=[2013])
    subsidy_types: list[SubsidyTypeCode] | None = Field(
        default=None,
        min_length=1,
        max_length=7,
        description="Only these types (each must have a rule in the published policy); default: all it has.",
        examples=[["enterprise_placement"]],
    )
    employer_ids: list[uuid.UUID] | None = Field(
        default=None,
        min_length=1,
        max_length=5000,
        description="Only these employers (employer types only: enterprise_placement, hiring, social_insurance, "
        "tax_reduction); default: every employer with evidence in the year.",
        examples=[["3f0e8a52-7c1d-4f7e-9d7b-2a4c5e6f7a8b"]],
    )


class EvaluationRead(BaseModel):
    id: uuid.UUID
    year: int = Field(examples=[2013])
    policy_id: uuid.UUID
    policy_version: int = Field(examples=[1])
    subsidy_types: list[SubsidyTypeCode] = Field(examples=[["enterprise_placement", "hiring"]])
    employer_ids: list[uuid.UUID] | None = Field(description="null: every beneficiary with evidence.")
    status: EvaluationStatus = Field(examples=["running"])
    status_label_zh: str = Field(examples=["评估中"])
    phase: Phase = Field(
        description="fetching (evidence from placement, page by page), deciding (writing the decisions, all in one "
        "transaction), done.",
        examples=["fetching"],
    )
    total_employers: int | None = Field(description="Employers with evidence, once placement has said.", examples=[412])
    fetched_employers: int = Field(description="Employers whose evidence has been fetched so far.", examples=[200])
    beneficiaries: int = Field(description="Outcomes computed (beneficiary x type).", examples=[530])
    decisions_written: int = Field(description="New decision versions written.", examples=[57])
    unchanged: int = Field(
        description="Current decisions whose evidence was the same: left as they were.", examples=[410]
    )
    summary: dict[str, Any] | None = Field(
        description="Per type: evaluated, new, changed, unchanged, not_decided, amount_written.",
        examples=[
            {
                "enterprise_placement": {
                    "evaluated": 40,
                    "new": 3,
                    "changed": 1,
                    "unchanged": 30,
                    "not_decided": 6,
                    "amount_written": "40000.00",
                }
            }
        ],
    )
    error_code: str | None = Field(
        description="Why it failed: placement_unavailable, placement_timeout, placement_bad_answer, "
        "policy_changed, interrupted, internal_error.",
        examples=[None],
    )
    error: str | None = Field(description="The reason in words; no decision of a failed evaluation was written.")
    created_by: str = Field(description="Name of who started it.")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class WhatIfCreate(BaseModel):
    """A draft policy against a year, computed now and stored nowhere: name a policy version (usually a draft), or
    give the rules inline."""

    model_config = ConfigDict(extra="forbid")

    year: int = Field(ge=2012, le=2100, examples=[2013])
    policy_id: uuid.UUID | None = Field(
        default=None,
        description="The version to try (a draft, usually).",
        examples=["0b6a3c55-8f2e-4a51-9f0c-2d9e7b1a4c36"],
    )
    rules: list[Rule] | None = Field(
        default=None, min_length=1, max_length=7, description="Or the rules to try, as in a policy."
    )
    subsidy_types: list[SubsidyTypeCode] | None = Field(default=None, min_length=1, max_length=7)
    employer_ids: list[uuid.UUID] | None = Field(default=None, min_length=1, max_length=5000)

    @model_validator(mode="after")
    def _one_source(self) -> "WhatIfCreate":
        if (self.policy_id is None) == (self.rules is None):
            raise ValueError("give either policy_id or rules")
        return self


class WhatIfSide(BaseModel):
    qualifying_count: int = Field(examples=[50])
    tier: str | None = Field(examples=["50-99"])
    amount: Money = Field(examples=["20000.00"])
    eligible: bool = Field(examples=[True])


class WhatIfLine(BaseModel):
    subsidy_type: SubsidyTypeCode
    beneficiary_kind: BeneficiaryKind
    beneficiary_id: uuid.UUID
    jurisdiction_code: str = Field(examples=["dapu"])
    published: WhatIfSide | None = Field(description="Under the published policy (null: it has no rule for the type).")
    draft: WhatIfSide
    difference: Money = Field(description="draft minus published, CNY.", examples=["5000.00"])


class WhatIfTotal(BaseModel):
    subsidy_type: SubsidyTypeCode
    beneficiaries: int = Field(description="Beneficiaries the draft pays (amount above 0).", examples=[40])
    published_amount: Money = Field(examples=["400000.00"])
    draft_amount: Money = Field(examples=["450000.00"])
    difference: Money = Field(examples=["50000.00"])
    budget: Money | None = Field(description="The year's budget for the type (null: none set).", examples=["500000.00"])
    budget_committed: Money | None = Field(description="Already approved or paid.", examples=["0.00"])
    draft_over_budget: bool | None = Field(
        description="The draft's total exceeds the budget (null without a budget).", examples=[False]
    )
    draft_budget_left: Money | None = Field(
        description="Budget minus the draft's total (negative: over).", examples=["50000.00"]
    )


class WhatIfRead(BaseModel):
    year: int = Field(examples=[2013])
    published_policy_id: uuid.UUID | None
    published_policy_version: int | None = Field(examples=[1])
    draft_policy_id: uuid.UUID | None
    draft_policy_version: int | None = Field(examples=[2])
    stored: bool = Field(default=False, description="Always false: nothing of a what-if is stored.", examples=[False])
    totals: list[WhatIfTotal]
    draft_total: Money = Field(examples=["450000.00"])
    published_total: Money = Field(examples=["400000.00"])
    lines: list[WhatIfLine] = Field(description="Per beneficiary and type, where either side is not zero.")
