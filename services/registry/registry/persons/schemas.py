import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Gender = Literal["male", "female"]
WorkAbility = Literal["able", "partly", "unable"]
Education = Literal["none", "primary", "junior_high", "senior_high", "vocational", "college", "bachelor_or_above"]
Status = Literal["active", "archived"]

LABELS_ZH: dict[str, dict[str, str]] = {
    "gender": {"male": "男", "female": "女"},
    "work_ability": {"able": "有劳动能力", "partly": "部分丧失劳动能力", "unable": "丧失劳动能力"},
    "education": {
        "none": "未上学",
        "primary": "小学",
        "junior_high": "初中",
        "senior_high": "高中",
        "vocational": "中专/技校",
        "college": "大专",
        "bachelor_or_above": "本科及以上",
    },
    "status": {"active": "在册", "archived": "已归档"},
}

Name = Annotated[str, StringConstraints(min_length=1, max_length=50, strip_whitespace=True)]
Phone = Annotated[str, StringConstraints(pattern=r"^\+?[0-9][0-9-]{5,18}$")]
Text200 = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
Skill = Annotated[str, StringConstraints(min_length=1, max_length=50, strip_whitespace=True)]


class _Editable(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ethnicity: Annotated[str, StringConstraints(max_length=20)] | None = Field(default=None, examples=["汉族"])
    phone: Phone | None = Field(default=None, examples=["13800000000"])
    household_address: Text200 | None = Field(default=None, description="户籍地址", examples=["柳城县大埔镇…"])
    residence_address: Text200 | None = Field(default=None, description="现居住地址")
    education: Education | None = Field(default=None, examples=["junior_high"])
    skills: list[Skill] | None = Field(default=None, max_length=30, examples=[["缫丝", "电焊"]])
    work_ability_reason: Text200 | None = Field(default=None, description="Why ability is partly or fully lost.")
    guardian_name: Name | None = Field(default=None, description="监护人")
    guardian_relation: Annotated[str, StringConstraints(max_length=20)] | None = Field(default=None, examples=["母亲"])
    guardian_phone: Phone | None = None
    notes: Annotated[str, StringConstraints(max_length=2000)] | None = None


class PersonCreate(_Editable):
    """Register a person. Gender and birth date come from the ID number."""

    name: Name = Field(examples=["韦某某"])
    id_number: Annotated[str, StringConstraints(min_length=15, max_length=40)] = Field(
        description="National ID number (GB 11643-1999); full-width digits and lower-case x are accepted; a "
        "15-digit pre-1999 number is upgraded.",
        examples=["450222199001011234"],
    )
    jurisdiction_code: str | None = Field(
        default=None,
        description="Where the person is registered; township staff may omit it (their own).",
        examples=["dapu"],
    )
    work_ability: WorkAbility = Field(examples=["able"])
    confirm_not_duplicate: bool = Field(
        default=False,
        description="Set after a 409 possible_duplicate, once you have checked the candidates are other people.",
    )

    @model_validator(mode="after")
    def _reason_when_not_able(self) -> "PersonCreate":
        if self.work_ability != "able" and not self.work_ability_reason:
            raise ValueError("work_ability_reason is required when work ability is partly or fully lost")
        return self


class PersonUpdate(_Editable):
    """Change what is given; send the ETag of your last read as If-Match."""

    name: Name | None = None
    work_ability: WorkAbility | None = None


class ArchiveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Text200 = Field(examples=["期满解除社区康复"])


class PersonRead(BaseModel):
    id: uuid.UUID
    name: str = Field(examples=["韦某某"])
    gender: Gender
    gender_label_zh: str = Field(examples=["男"])
    birth_date: date
    age: int = Field(description="Age in whole years today.", examples=[35])
    id_number_masked: str = Field(description="Area code and last four only.", examples=["450222********123X"])
    ethnicity: str | None
    phone: str | None
    household_address: str | None
    residence_address: str | None
    jurisdiction_code: str = Field(examples=["dapu"])
    jurisdiction_name_zh: str = Field(examples=["大埔镇"])
    education: Education | None
    skills: list[str]
    work_ability: WorkAbility
    work_ability_label_zh: str = Field(examples=["有劳动能力"])
    work_ability_reason: str | None
    guardian_name: str | None
    guardian_relation: str | None
    guardian_phone: str | None
    notes: str | None
    status: Status
    archived_at: datetime | None
    archive_reason: str | None
    created_at: datetime
    updated_at: datetime
    version: int


class DuplicateCandidate(BaseModel):
    id: uuid.UUID
    name: str
    birth_date: date
    jurisdiction_code: str
    reason: Literal["same_name_and_birth_date", "similar_name_same_jurisdiction"]


class IdNumberRead(BaseModel):
    id_number: str = Field(description="The full number. Every time it is shown is audited.")


class IdNumberQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id_number: Annotated[str, StringConstraints(min_length=15, max_length=40)] = Field(
        description="Sent in the body so it never appears in URLs or access logs.", examples=["450222199001011234"]
    )


class LookupRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[uuid.UUID] = Field(min_length=1, max_length=200, description="Person ids (at most 200).")


class PersonLookup(BaseModel):
    """Only what other services' work needs: never the name, ID number or contact details."""

    id: uuid.UUID
    jurisdiction_code: str = Field(examples=["dapu"])
    status: Status
    age: int
    work_ability: WorkAbility
    current_measure: str | None = Field(
        description="Kind of the control measure in force today, if any.", examples=["community_rehabilitation"]
    )
    eligible_for_placement: bool
    skills: list[str] = Field(
        default_factory=list, description="The person's skills, for matching them with job posts.", examples=[["缫丝"]]
    )
    released_from_isolation_on: date | None = Field(
        default=None,
        description="When no control measure is in force today: the day the person's last compulsory isolation "
        "(强制隔离戒毒) ended as completed, if that was their last control measure; else null.",
        examples=[None],
    )


class LookupResult(BaseModel):
    items: list[PersonLookup]
    missing: list[uuid.UUID] = Field(description="Ids that do not exist for the caller.")
    eligibility_definition: str
