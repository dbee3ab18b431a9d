import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

BusinessKind = Literal["small_enterprise", "workshop", "shop", "restaurant"]
Status = Literal["active", "ended"]
LABELS_ZH: Final[dict[str, dict[str, str]]] = {
    "business_kind": {"small_enterprise": "小企业", "workshop": "小作坊", "shop": "小商业", "restaurant": "小饭店"},
    "status": {"active": "经营中", "ended": "已停业"},
}
Money = Annotated[Decimal, PlainSerializer(lambda v: f"{v:.2f}", return_type=str, when_used="json")]
Rate = Annotated[Decimal, PlainSerializer(lambda v: f"{v:.4f}", return_type=str, when_used="json")]


class SelfEmploymentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    person_id: uuid.UUID = Field(
        description="The person's registry id; township staff may record only their own jurisdiction's people.",
        examples=["8d1f2e3a-0b4c-4d5e-8f6a-7b8c9d0e1f2a"],
    )
    business_kind: BusinessKind = Field(
        description="small_enterprise 小企业, workshop 小作坊, shop 小商业 or restaurant 小饭店 (notice 84号).",
        examples=["restaurant"],
    )
    business_name: str = Field(min_length=1, max_length=200, examples=["启航小吃店"])
    licence_number: str | None = Field(
        default=None,
        min_length=1,
        max_length=50,
        description="Business licence (营业执照) number, if registered.",
        examples=["92450222MA5L1234X"],
    )
    start_on: date = Field(description="Day the business started; not in the future.", examples=["2026-05-01"])


class SelfEmploymentUpdate(BaseModel):
    """Send only what changes. Ending the business: status `ended` with `end_on`; an ended record stays ended."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    business_name: str | None = Field(default=None, min_length=1, max_length=200, examples=["启航小吃店"])
    licence_number: str | None = Field(default=None, min_length=1, max_length=50, examples=["92450222MA5L1234X"])
    status: Literal["ended"] | None = Field(default=None, description="`ended` to record the business ending.")
    end_on: date | None = Field(default=None, description="Day it ended (with status `ended`).")


class SelfEmploymentRead(BaseModel):
    id: uuid.UUID = Field(examples=["5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a"])
    person_id: uuid.UUID = Field(examples=["8d1f2e3a-0b4c-4d5e-8f6a-7b8c9d0e1f2a"])
    jurisdiction_code: str = Field(description="The person's jurisdiction.", examples=["dapu"])
    jurisdiction_name_zh: str = Field(examples=["大埔镇"])
    business_kind: BusinessKind = Field(examples=["restaurant"])
    business_kind_label_zh: str = Field(examples=["小饭店"])
    business_name: str = Field(examples=["启航小吃店"])
    licence_number: str | None = Field(examples=["92450222MA5L1234X"])
    start_on: date
    status: Status = Field(examples=["active"])
    status_label_zh: str = Field(examples=["经营中"])
    end_on: date | None = Field(examples=[None])
    created_at: datetime
    updated_at: datetime
    version: int = Field(description='Changes on every update; the ETag is "<version>".', examples=[1])


class LoanCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    amount: Decimal = Field(
        gt=0, max_digits=12, decimal_places=2, description="Principal in CNY, two decimals.", examples=["50000.00"]
    )
    lender: str = Field(min_length=1, max_length=200, examples=["柳城县农村信用合作联社"])
    disbursed_on: date = Field(description="Day the loan was paid out; not in the future.", examples=["2026-03-01"])
    maturity_on: date = Field(description="Day it falls due; after disbursed_on.", examples=["2028-02-29"])
    annual_rate_percent: Decimal = Field(
        ge=0, lt=100, max_digits=6, decimal_places=4, description="Annual interest rate in percent.", examples=["4.35"]
    )


class LoanRead(BaseModel):
    id: uuid.UUID
    self_employment_id: uuid.UUID
    person_id: uuid.UUID
    amount: Money = Field(examples=["50000.00"])
    lender: str = Field(examples=["柳城县农村信用合作联社"])
    disbursed_on: date
    maturity_on: date
    annual_rate_percent: Rate = Field(examples=["4.3500"])
    created_at: datetime


class LoanInYear(BaseModel):
    """A loan with the days it bears interest in the year: what the interest subsidy (贴息) is computed from."""

    loan_id: uuid.UUID
    self_employment_id: uuid.UUID
    person_id: uuid.UUID
    jurisdiction_code: str = Field(examples=["dapu"])
    business_kind: BusinessKind = Field(examples=["restaurant"])
    self_employment_status: Status = Field(examples=["active"])
    amount: Money = Field(examples=["50000.00"])
    annual_rate_percent: Rate = Field(examples=["4.3500"])
    disbursed_on: date
    maturity_on: date
    interest_days: int = Field(
        description="Days of the year from disbursement (included) to maturity (excluded).", examples=[306]
    )
    days_in_year: int = Field(examples=[365])
