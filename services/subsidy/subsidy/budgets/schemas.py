from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from subsidy.money import Money, MoneyIn
from subsidy.types import SubsidyTypeCode


class BudgetSet(BaseModel):
    """The budget of one year and subsidy type (finance only). Lowering it below what approvals have already
    committed is refused."""

    model_config = ConfigDict(extra="forbid")

    amount: MoneyIn = Field(
        description="CNY, a decimal string with at most two places, not negative.", examples=["500000.00"]
    )
    notes: str | None = Field(default=None, max_length=2000, examples=["柳财预〔2013〕12号"])


class BudgetRead(BaseModel):
    year: int = Field(examples=[2013])
    subsidy_type: SubsidyTypeCode = Field(examples=["enterprise_placement"])
    subsidy_type_label_zh: str = Field(examples=["启航工程企业安置补助"])
    amount: Money = Field(description="The budget.", examples=["500000.00"])
    committed: Money = Field(description="Used: approved or paid applications.", examples=["120000.00"])
    paid: Money = Field(description="Of it, paid.", examples=["80000.00"])
    left: Money = Field(description="Budget minus committed: what approvals may still use.", examples=["380000.00"])
    notes: str | None = Field(examples=["柳财预〔2013〕12号"])
    set_by: str = Field(description="Subject of who last set it.")
    created_at: datetime
    updated_at: datetime
    row_version: int = Field(description='Changes with every change, approvals included; the ETag is "<row_version>".')
