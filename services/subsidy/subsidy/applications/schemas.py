import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from subsidy.applications.workflow import Action, Duty, Status
from subsidy.money import Money, MoneyIn
from subsidy.types import BeneficiaryKind, SubsidyTypeCode


class ApplicationCreate(BaseModel):
    """Apply for what a decision grants: township staff for a beneficiary of their jurisdiction, an employer's own
    client for its own employer. The amount is the decision's: it cannot be sent."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    decision_id: uuid.UUID = Field(
        description="The current version of the decision applied for.",
        examples=["2c9d7f3e-5b1a-4e8d-9f6c-3a2b1c0d9e8f"],
    )
    notes: str | None = Field(default=None, max_length=2000, examples=["附花名册及劳动合同复印件"])


class PaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    amount: MoneyIn = Field(description="CNY paid: exactly the application's amount.", examples=["20000.00"])
    paid_on: date = Field(description="Day it was paid; not in the future.", examples=["2014-03-15"])
    voucher_number: str = Field(
        min_length=1,
        max_length=100,
        description="The payment voucher (记账凭证) number.",
        examples=["柳财拨〔2014〕0315号"],
    )

    @field_validator("paid_on")
    @classmethod
    def _not_in_future(cls, value: date) -> date:
        if value > date.today():
            raise ValueError("must not be in the future: record a payment once it was made")
        return value


class StepCreate(BaseModel):
    """The next step of an application (see `allowed_actions` on it). return and reject need a reason;
    record_payment needs the payment."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    action: Action = Field(
        description="township_approve, nco_approve, finance_approve, record_payment, return, reject, resubmit or "
        "withdraw.",
        examples=["finance_approve"],
    )
    reason: str | None = Field(default=None, min_length=1, max_length=2000, examples=["劳动合同复印件不清晰"])
    payment: PaymentIn | None = Field(default=None, description="With record_payment only.")


class StepRead(BaseModel):
    seq: int = Field(examples=[1])
    action: str = Field(examples=["submit"])
    action_label_zh: str = Field(examples=["提交申请"])
    status_before: Status | None = Field(examples=[None])
    status_after: Status = Field(examples=["submitted"])
    duty: Duty = Field(examples=["applicant"])
    actor_subject: str = Field(description="Who took the step (the token's subject).")
    actor_name: str = Field(examples=["韦丽"])
    actor_department: str | None = Field(examples=["township"])
    reason: str | None = Field(examples=[None])
    at: datetime


class PaymentRead(BaseModel):
    id: uuid.UUID
    amount: Money = Field(examples=["20000.00"])
    paid_on: date = Field(examples=["2014-03-15"])
    voucher_number: str = Field(examples=["柳财拨〔2014〕0315号"])
    recorded_by: str
    recorded_at: datetime


class ApplicationRead(BaseModel):
    id: uuid.UUID
    decision_id: uuid.UUID
    decision_version: int = Field(examples=[1])
    decision_is_current: bool = Field(
        description="false: a re-evaluation found other evidence since; finance cannot approve it any more "
        "(withdraw, and apply for the current version).",
        examples=[True],
    )
    year: int = Field(examples=[2013])
    subsidy_type: SubsidyTypeCode = Field(examples=["enterprise_placement"])
    subsidy_type_label_zh: str = Field(examples=["启航工程企业安置补助"])
    beneficiary_kind: BeneficiaryKind = Field(examples=["employer"])
    beneficiary_id: uuid.UUID = Field(description="Employer id, or the person's registry id.")
    jurisdiction_code: str = Field(examples=["dapu"])
    amount: Money = Field(description="The decision's amount, CNY.", examples=["20000.00"])
    status: Status = Field(examples=["submitted"])
    status_label_zh: str = Field(examples=["已提交，待乡镇审核"])
    allowed_actions: list[Action] = Field(
        description="The steps that may follow now (whoever may take them).",
        examples=[["township_approve", "return", "reject", "withdraw"]],
    )
    notes: str | None = Field(examples=["附花名册及劳动合同复印件"])
    steps: list[StepRead] = Field(description="The history, first step first.")
    payment: PaymentRead | None
    created_at: datetime
    updated_at: datetime
    row_version: int = Field(description='Changes with every step; the ETag is "<row_version>".', examples=[1])


class ApplicationSummary(BaseModel):
    id: uuid.UUID
    decision_id: uuid.UUID
    year: int = Field(examples=[2013])
    subsidy_type: SubsidyTypeCode = Field(examples=["enterprise_placement"])
    beneficiary_kind: BeneficiaryKind = Field(examples=["employer"])
    beneficiary_id: uuid.UUID
    jurisdiction_code: str = Field(examples=["dapu"])
    amount: Money = Field(examples=["20000.00"])
    status: Status = Field(examples=["approved"])
    status_label_zh: str = Field(examples=["财政已审批，待拨付"])
    created_at: datetime
    updated_at: datetime
