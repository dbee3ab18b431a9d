import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from placement.employers import uscc
from shared.inputs import not_cleared
from shared.reference import JURISDICTIONS

EmployerKind = Literal["enterprise", "individual_business", "private_owner", "public_institution"]
JurisdictionCode = Literal[tuple(JURISDICTIONS)]  # type: ignore[valid-type]
SectorCode = Literal["A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N", "O", "P", "Q", "R", "S", "T"]
DesignationStatus = Literal["not_designated", "active", "suspended", "revoked"]

KIND_LABELS_ZH: dict[str, str] = {
    "enterprise": "企业",
    "individual_business": "个体工商户",
    "private_owner": "私营业主",
    "public_institution": "事业单位",
}
# The sections (门类) of GB/T 4754-2017 Industrial classification for national economic activities.
SECTOR_LABELS_ZH: dict[str, str] = {
    "A": "农、林、牧、渔业",
    "B": "采矿业",
    "C": "制造业",
    "D": "电力、热力、燃气及水生产和供应业",
    "E": "建筑业",
    "F": "批发和零售业",
    "G": "交通运输、仓储和邮政业",
    "H": "住宿和餐饮业",
    "I": "信息传输、软件和信息技术服务业",
    "J": "金融业",
    "K": "房地产业",
    "L": "租赁和商务服务业",
    "M": "科学研究和技术服务业",
    "N": "水利、环境和公共设施管理业",
    "O": "居民服务、修理和其他服务业",
    "P": "教育",
    "Q": "卫生和社会工作",
    "R": "文化、体育和娱乐业",
    "S": "公共管理、社会保障和社会组织",
    "T": "国际组织",
}
DESIGNATION_STATUS_LABELS_ZH: dict[str, str] = {
    "not_designated": "未认定",
    "active": "认定有效",
    "suspended": "暂停",
    "revoked": "已撤销",
}
MAX_CONTACTS = 10

Name = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
Address = Annotated[str, StringConstraints(min_length=1, max_length=300, strip_whitespace=True)]
CreditCode = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, max_length=40)]


class EmployerContact(BaseModel):
    """Someone at the employer whom the programme may call: a work contact the employer gives, not a private one."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=60, examples=["韦经理"])
    role: str | None = Field(
        default=None, min_length=1, max_length=60, description="Their position or task.", examples=["人事主管"]
    )
    phone: str | None = Field(
        default=None,
        pattern=r"^\+?[0-9][0-9 -]{4,28}$",
        description="A work number: digits, spaces and dashes.",
        examples=["0772-7612345"],
    )


def _valid_credit_code(value: str | None) -> str | None:
    if value is None:
        return None
    problem = uscc.problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


class _EmployerFields(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("unified_social_credit_code", check_fields=False)
    @classmethod
    def _credit_code(cls, value: str | None) -> str | None:
        return _valid_credit_code(value)


class EmployerCreate(_EmployerFields):
    name: Name = Field(description="Registered name of the employer.", examples=["柳城县鹏鑫源茧丝绸公司"])
    kind: EmployerKind = Field(
        description="enterprise 企业, individual_business 个体工商户, private_owner 私营业主 or "
        "public_institution 事业单位.",
        examples=["enterprise"],
    )
    unified_social_credit_code: CreditCode | None = Field(
        default=None,
        description="统一社会信用代码 (GB 32100-2015): 18 digits or capital letters other than I, O, S, V, Z, the "
        "last a check character over the first 17 (lower case is accepted and capitalised). Unique: one employer "
        "per code.",
        examples=["91450222MA5KX0PQ3H"],
    )
    jurisdiction_code: JurisdictionCode = Field(
        description="Jurisdiction the employer is in; township staff may only use their own.", examples=["dapu"]
    )
    address: Address | None = Field(default=None, examples=["柳城县大埔镇龙江路88号"])
    sector_code: SectorCode | None = Field(
        default=None, description="Section (门类) of GB/T 4754-2017, A to T.", examples=["C"]
    )
    contacts: list[EmployerContact] = Field(
        default_factory=list,
        max_length=MAX_CONTACTS,
        description=f"Up to {MAX_CONTACTS} contacts, the main one first.",
        examples=[[{"name": "韦经理", "role": "人事主管", "phone": "0772-7612345"}]],
    )


class EmployerUpdate(_EmployerFields):
    """Change what is given (send null to clear an optional field); send the ETag of your last read as If-Match.
    Whether it is a Qihang enterprise is changed through its designations, not here."""

    name: Name | None = Field(default=None, examples=["柳城县鹏鑫源茧丝绸有限公司"])
    kind: EmployerKind | None = Field(default=None, examples=["enterprise"])
    unified_social_credit_code: CreditCode | None = Field(default=None, examples=["91450222MA5KX0PQ3H"])
    jurisdiction_code: JurisdictionCode | None = Field(
        default=None,
        description="Township staff may not move an employer out of their jurisdiction.",
        examples=["dapu"],
    )
    address: Address | None = Field(default=None, examples=["柳城县大埔镇龙江路90号"])
    sector_code: SectorCode | None = Field(default=None, examples=["C"])
    contacts: list[EmployerContact] | None = Field(
        default=None, max_length=MAX_CONTACTS, description="Replaces the whole list.", examples=[[{"name": "韦经理"}]]
    )

    _not_null = field_validator("name", "kind", "jurisdiction_code", "contacts", mode="before")(not_cleared)


class DesignationState(BaseModel):
    """Where an employer's Qihang designation stands on a day, from its latest step up to that day."""

    status: DesignationStatus = Field(examples=["active"])
    status_label_zh: str = Field(examples=["认定有效"])
    since: date | None = Field(description="Date of the step that set this status; null if never designated.")
    document_number: str | None = Field(
        description="文件号 of that step, if it had one.", examples=["柳城政办〔2012〕84号"]
    )


class EmployerRead(BaseModel):
    id: uuid.UUID = Field(examples=["3f0e8a52-7c1d-4f7e-9d7b-2a4c5e6f7a8b"])
    name: str = Field(examples=["柳城县鹏鑫源茧丝绸公司"])
    kind: EmployerKind = Field(examples=["enterprise"])
    kind_label_zh: str = Field(description="Chinese label of `kind`.", examples=["企业"])
    unified_social_credit_code: str | None = Field(examples=["91450222MA5KX0PQ3H"])
    is_qihang_enterprise: bool = Field(
        description="Computed: a Qihang enterprise (启航工程企业) today, i.e. its designation is active.",
        examples=[True],
    )
    qihang_designation: DesignationState = Field(description="Computed from the designation history, as of today.")
    jurisdiction_code: str = Field(examples=["dapu"])
    jurisdiction_name_zh: str = Field(description="Chinese name of the jurisdiction.", examples=["大埔镇"])
    address: str | None = Field(examples=["柳城县大埔镇龙江路88号"])
    sector_code: SectorCode | None = Field(examples=["C"])
    sector_label_zh: str | None = Field(description="Chinese label of the GB/T 4754 section.", examples=["制造业"])
    contacts: list[EmployerContact]
    created_at: datetime = Field(examples=["2026-11-29T08:30:00Z"])
    updated_at: datetime = Field(examples=["2026-11-29T08:30:00Z"])
    version: int = Field(
        description='Changes on every update and designation step; the ETag is "<version>".', examples=[1]
    )
