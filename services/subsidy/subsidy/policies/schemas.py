import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, ValidationInfo, field_validator

PolicyStatus = Literal["draft", "published"]
STATUS_LABELS_ZH: dict[str, str] = {"draft": "草稿", "published": "已发布"}

Money = Annotated[Decimal, PlainSerializer(lambda amount: f"{amount:.2f}", return_type=str, when_used="json")]
"""CNY amounts: Decimal inside, a decimal string with two places ("12000.00") in JSON."""


class TierCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_headcount: int = Field(
        ge=1, le=1_000_000, description="Smallest headcount in this tier (inclusive).", examples=[50]
    )
    max_headcount: int | None = Field(
        default=None,
        ge=1,
        le=1_000_000,
        description="Largest headcount in this tier (inclusive); null or left out for no upper bound (the highest tier "
        "only).",
        examples=[99],
    )
    amount_cny: Decimal = Field(
        ge=0,
        max_digits=12,
        decimal_places=2,
        description="Yearly subsidy in CNY for an enterprise in this tier, as a decimal string.",
        examples=["20000.00"],
    )


class PolicyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    year: int = Field(ge=2012, le=2100, description="The year the policy is for.", examples=[2013])
    title: str = Field(min_length=1, max_length=200, examples=["2013年度“启航工程”企业安置经费补助标准"])
    effective_from: date = Field(description="First day the policy applies (ISO 8601).", examples=["2013-01-01"])
    effective_to: date = Field(
        description="Last day the policy applies; not before effective_from.", examples=["2013-12-31"]
    )
    tiers: list[TierCreate] = Field(
        min_length=1,
        max_length=20,
        description="Headcount tiers of Qihang enterprises: contiguous, not overlapping, starting at 1 and "
        "ending open-ended (max_headcount null), in any order. The notice's reading: 1-49, 50-99, 100 and more.",
        examples=[
            [
                {"min_headcount": 1, "max_headcount": 49, "amount_cny": "10000.00"},
                {"min_headcount": 50, "max_headcount": 99, "amount_cny": "20000.00"},
                {"min_headcount": 100, "max_headcount": None, "amount_cny": "30000.00"},
            ]
        ],
    )
    minimum_contract_months: int = Field(
        default=12,
        ge=1,
        le=120,
        description="Shortest employment contract that counts (the notice: one year or more).",
        examples=[12],
    )
    notes: str | None = Field(default=None, max_length=4000, examples=["依据柳城政办〔2012〕84号"])

    @field_validator("effective_to")
    @classmethod
    def _not_before_start(cls, value: date, info: ValidationInfo) -> date:
        start = info.data.get("effective_from")
        if start is not None and value < start:
            raise ValueError("effective_to must not be before effective_from")
        return value


class TierRead(BaseModel):
    min_headcount: int = Field(examples=[50])
    max_headcount: int | None = Field(description="null: no upper bound.", examples=[99])
    amount_cny: Money = Field(description="Decimal string in CNY, two places.", examples=["20000.00"])
    label_zh: str = Field(description="The tier in words.", examples=["50–99人"])


class PolicyRead(BaseModel):
    id: uuid.UUID = Field(examples=["0b6a3c55-8f2e-4a51-9f0c-2d9e7b1a4c36"])
    year: int = Field(examples=[2013])
    version: int = Field(description="1, 2, ... within the year; assigned by the server.", examples=[1])
    title: str = Field(examples=["2013年度“启航工程”企业安置经费补助标准"])
    status: PolicyStatus = Field(examples=["draft"])
    status_label_zh: str = Field(examples=["草稿"])
    effective_from: date = Field(examples=["2013-01-01"])
    effective_to: date = Field(examples=["2013-12-31"])
    minimum_contract_months: int = Field(examples=[12])
    notes: str | None = Field(examples=["依据柳城政办〔2012〕84号"])
    tiers: list[TierRead] = Field(description="From the lowest headcount up.")
    created_by: str = Field(description="Subject of the user who wrote the draft.")
    created_at: datetime = Field(examples=["2026-11-29T08:30:00Z"])
    updated_at: datetime = Field(examples=["2026-11-29T08:30:00Z"])
    published_at: datetime | None = Field(examples=[None])
    published_by: str | None = Field(examples=[None])


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
