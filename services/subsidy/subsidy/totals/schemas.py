from pydantic import BaseModel, Field

from subsidy.applications.workflow import Status
from subsidy.money import Money
from subsidy.types import SubsidyTypeCode


class TypeTotal(BaseModel):
    subsidy_type: SubsidyTypeCode = Field(examples=["enterprise_placement"])
    subsidy_type_label_zh: str = Field(examples=["启航工程企业安置补助"])
    decisions: int = Field(description="Current decisions.", examples=[40])
    paying_decisions: int = Field(description="Of them, with an amount above 0.", examples=[38])
    decided_amount: Money = Field(description="Their amounts, CNY.", examples=["400000.00"])
    budget: Money | None = Field(description="The year's budget (null: none set).", examples=["500000.00"])
    budget_used: Money | None = Field(description="Approved or paid.", examples=["120000.00"])
    budget_paid: Money | None = Field(description="Of it, paid.", examples=["80000.00"])
    budget_left: Money | None = Field(description="Budget minus used.", examples=["380000.00"])


class TierTotal(BaseModel):
    subsidy_type: SubsidyTypeCode = Field(examples=["enterprise_placement"])
    tier: str | None = Field(description="null: types without tiers.", examples=["50-99"])
    tier_label_zh: str | None = Field(examples=["50–99人"])
    decisions: int = Field(examples=[6])
    qualifying_count: int = Field(description="People counted by these decisions.", examples=[350])
    amount: Money = Field(examples=["120000.00"])


class JurisdictionTotal(BaseModel):
    jurisdiction_code: str = Field(examples=["dapu"])
    subsidy_type: SubsidyTypeCode = Field(examples=["enterprise_placement"])
    decisions: int = Field(examples=[5])
    amount: Money = Field(examples=["50000.00"])


class StatusTotal(BaseModel):
    subsidy_type: SubsidyTypeCode = Field(examples=["enterprise_placement"])
    status: Status = Field(examples=["paid"])
    status_label_zh: str = Field(examples=["已拨付"])
    applications: int = Field(examples=[4])
    amount: Money = Field(examples=["80000.00"])


class SubsidyTotals(BaseModel):
    year: int = Field(examples=[2013])
    jurisdiction_code: str | None = Field(
        description="Whose totals: a township's staff get their own jurisdiction's; null is the county.",
        examples=[None],
    )
    by_type: list[TypeTotal]
    by_tier: list[TierTotal]
    by_jurisdiction: list[JurisdictionTotal]
    by_status: list[StatusTotal]
    decided_amount: Money = Field(description="All current decisions of the year, CNY.", examples=["600000.00"])
    budget_amount: Money = Field(description="All budgets of the year.", examples=["800000.00"])
    budget_used: Money = Field(description="Approved or paid, all types.", examples=["200000.00"])
    budget_paid: Money = Field(examples=["150000.00"])
    budget_left: Money = Field(examples=["600000.00"])
