import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.reference import JURISDICTIONS

EmployerKind = Literal["enterprise", "individual_business", "private_owner"]
JurisdictionCode = Literal[tuple(JURISDICTIONS)]  # type: ignore[valid-type]

KIND_LABELS_ZH: dict[str, str] = {
    "enterprise": "企业",
    "individual_business": "个体工商户",
    "private_owner": "私营业主",
}
USCC_PATTERN = r"^[0-9A-Z]{18}$"


class EmployerCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(
        min_length=1,
        max_length=200,
        description="Registered name of the employer.",
        examples=["柳城县鹏鑫源茧丝绸公司"],
    )
    kind: EmployerKind = Field(
        description="enterprise 企业, individual_business 个体工商户 or private_owner 私营业主.",
        examples=["enterprise"],
    )
    unified_social_credit_code: str | None = Field(
        default=None,
        pattern=USCC_PATTERN,
        description="统一社会信用代码: 18 digits or capital letters (lower case is accepted and capitalised). "
        "Unique: one employer per code.",
        examples=["91450222MA5KX0PQ3T"],
    )
    is_qihang_enterprise: bool = Field(
        default=False, description="A Qihang enterprise (启航工程企业) with centralised placement.", examples=[True]
    )
    jurisdiction_code: JurisdictionCode = Field(
        description="Jurisdiction the employer is in; township staff may only use their own.", examples=["dapu"]
    )
    address: str | None = Field(default=None, min_length=1, max_length=300, examples=["柳城县大埔镇..."])
    contact_name: str | None = Field(default=None, min_length=1, max_length=60, examples=["韦经理"])
    contact_phone: str | None = Field(
        default=None,
        pattern=r"^\+?[0-9][0-9 -]{4,28}$",
        description="Digits, spaces and dashes.",
        examples=["0772-7612345"],
    )

    @field_validator("unified_social_credit_code", mode="before")
    @classmethod
    def _capitalise(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value


class EmployerRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(examples=["3f0e8a52-7c1d-4f7e-9d7b-2a4c5e6f7a8b"])
    name: str = Field(examples=["柳城县鹏鑫源茧丝绸公司"])
    kind: EmployerKind = Field(examples=["enterprise"])
    kind_label_zh: str = Field(description="Chinese label of `kind`.", examples=["企业"])
    unified_social_credit_code: str | None = Field(examples=["91450222MA5KX0PQ3T"])
    is_qihang_enterprise: bool = Field(examples=[True])
    jurisdiction_code: str = Field(examples=["dapu"])
    jurisdiction_name_zh: str = Field(description="Chinese name of the jurisdiction.", examples=["大埔镇"])
    address: str | None = Field(examples=["柳城县大埔镇..."])
    contact_name: str | None = Field(examples=["韦经理"])
    contact_phone: str | None = Field(examples=["0772-7612345"])
    created_at: datetime = Field(examples=["2026-11-29T08:30:00Z"])
    updated_at: datetime = Field(examples=["2026-11-29T08:30:00Z"])
    version: int = Field(description='Changes on every update; the ETag is "<version>".', examples=[1])
