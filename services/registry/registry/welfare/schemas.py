import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from shared.inputs import not_in_future

MlgStatus = Literal["none", "applied", "granted", "ended"]
MedicalInsurance = Literal["urban_resident", "new_rural_cooperative", "employee", "none"]
DisabilityGrade = Literal[1, 2, 3, 4]

LABELS_ZH: dict[str, dict[str, str]] = {
    "mlg_status": {"none": "未申请", "applied": "已申请", "granted": "享受低保", "ended": "已停保"},
    "medical_insurance": {
        "urban_resident": "城镇居民基本医疗保险",
        "new_rural_cooperative": "新型农村合作医疗",
        "employee": "职工基本医疗保险",
        "none": "未参保",
    },
}

CENT = Decimal("0.01")


def _two_places(value: Decimal) -> Decimal:
    return value.quantize(CENT)


Money = Annotated[Decimal, Field(max_digits=10, decimal_places=2, ge=0), AfterValidator(_two_places)]
PositiveMoney = Annotated[Decimal, Field(max_digits=10, decimal_places=2, gt=0), AfterValidator(_two_places)]
CertificateNumber = Annotated[str, StringConstraints(min_length=1, max_length=30, pattern=r"^[0-9A-Za-z-]+$")]


class MinimumLivingGuarantee(BaseModel):
    """Minimum living guarantee (低保)."""

    model_config = ConfigDict(extra="forbid")

    status: MlgStatus = Field(examples=["granted"])
    since: date | None = Field(default=None, description="Since when the status holds.", examples=["2012-07-01"])
    amount_cny: Money | None = Field(default=None, description="Monthly amount, CNY.", examples=["230.00"])

    _past = field_validator("since")(not_in_future)

    @model_validator(mode="after")
    def _consistent(self) -> "MinimumLivingGuarantee":
        if self.status == "none" and (self.since is not None or self.amount_cny is not None):
            raise ValueError("since and amount_cny must be empty when status is none")
        if self.status == "granted" and self.since is None:
            raise ValueError("since is required when status is granted")
        return self


class MinimumLivingGuaranteeRead(MinimumLivingGuarantee):
    status_label_zh: str = Field(examples=["享受低保"])


class Disability(BaseModel):
    """Disability: no grade means not disabled; a grade (1-4) needs the certificate number."""

    model_config = ConfigDict(extra="forbid")

    grade: DisabilityGrade | None = Field(default=None, examples=[3])
    certificate_number: CertificateNumber | None = Field(default=None, description="残疾人证号 (sensitive).")

    @model_validator(mode="after")
    def _consistent(self) -> "Disability":
        if (self.grade is None) != (self.certificate_number is None):
            raise ValueError("a grade needs a certificate number, and no grade no certificate number")
        return self


class EmploymentCertificate(BaseModel):
    """The employment/unemployment registration certificate (《就业失业登记证》)."""

    model_config = ConfigDict(extra="forbid")

    number: CertificateNumber = Field(description="Sensitive.", examples=["4502220120001"])
    issued_on: date = Field(examples=["2012-08-01"])

    _past = field_validator("issued_on")(not_in_future)


class WelfareUpdate(BaseModel):
    """Set the sections given (those left out stay as they are); only the sections your department may set. Send
    `employment_certificate: null` to record that the person holds none."""

    model_config = ConfigDict(extra="forbid")

    minimum_living_guarantee: MinimumLivingGuarantee | None = None
    medical_insurance: MedicalInsurance | None = Field(default=None, examples=["new_rural_cooperative"])
    disability: Disability | None = None
    employment_certificate: EmploymentCertificate | None = None

    @model_validator(mode="after")
    def _not_null(self) -> "WelfareUpdate":
        for section in ("minimum_living_guarantee", "medical_insurance", "disability"):
            if section in self.model_fields_set and getattr(self, section) is None:
                raise ValueError(f"{section} cannot be null; send its 'none' value instead")
        return self


class WelfareRead(BaseModel):
    person_id: uuid.UUID
    minimum_living_guarantee: MinimumLivingGuaranteeRead
    medical_insurance: MedicalInsurance | None = Field(description="Null: not recorded yet.")
    medical_insurance_label_zh: str | None = Field(examples=["新型农村合作医疗"])
    disability: Disability
    employment_certificate: EmploymentCertificate | None
    updated_at: datetime | None = Field(description="Null: never recorded.")
    version: int = Field(description="0 until first recorded; the ETag header is what If-Match wants.")


class ReliefCreate(BaseModel):
    """Record temporary relief (临时救助) paid to the person."""

    model_config = ConfigDict(extra="forbid")

    granted_on: date = Field(examples=["2012-09-10"])
    amount_cny: PositiveMoney = Field(description="CNY, two decimal places.", examples=["500.00"])
    reason: Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)] = Field(
        examples=["因病致困"]
    )

    _past = field_validator("granted_on")(not_in_future)


class ReliefRead(BaseModel):
    id: uuid.UUID
    person_id: uuid.UUID
    granted_on: date
    amount_cny: Decimal = Field(examples=["500.00"])
    reason: str
    created_at: datetime
