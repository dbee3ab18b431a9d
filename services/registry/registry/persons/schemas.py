import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from registry.inputs import Name, Phone, Text200

Gender = Literal["male", "female"]
WorkAbility = Literal["able", "partly", "unable"]
Education = Literal["none", "primary", "junior_high", "senior_high", "vocational", "college", "bachelor_or_above"]
Status = Literal["active", "archived"]
LeftReason = Literal["died", "moved_out_of_county", "entered_in_error", "other"]

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
    "left_reason": {
        "died": "死亡",
        "moved_out_of_county": "迁出本县",
        "entered_in_error": "误录注销",
        "other": "其他",
    },
}

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
    registered_on: date | None = Field(
        default=None,
        description="The day the person was entered on the register (列管/登记日期); back-dated entries of paper "
        "records are allowed, never in the future or before birth. Default: today.",
        examples=["2012-06-15"],
    )
    work_ability_since: date | None = Field(
        default=None,
        description="The day the work ability given applies from (its assessment); not before birth or in the "
        "future. Default: registered_on.",
        examples=["2012-06-15"],
    )
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
    work_ability: WorkAbility | None = Field(
        default=None,
        description="Recorded as a dated change (see /work-ability-changes), effective work_ability_since.",
        examples=["partly"],
    )
    work_ability_since: date | None = Field(
        default=None,
        description="With work_ability: the day the new value applies from (default today; not before birth).",
        examples=["2013-04-01"],
    )
    registered_on: date | None = Field(
        default=None,
        description="Correct the registration day: not in the future, not before birth, not after the first "
        "off-register change, accepted transfer or stay.",
        examples=["2012-06-15"],
    )


class ArchiveRequest(BaseModel):
    """Take the person off the register (an off-register change, see /register-changes) and archive the record."""

    model_config = ConfigDict(extra="forbid")

    reason: Text200 = Field(
        description="Why, in words (kept on the record, never in events).", examples=["迁往外省居住"]
    )
    reason_code: LeftReason = Field(
        default="other",
        description="died, moved_out_of_county, entered_in_error (the registration never counts) or other.",
        examples=["moved_out_of_county"],
    )
    effective_on: date | None = Field(
        default=None,
        description="The day the person is off the register (from that day on); default today. Not before "
        "registration, not in the future.",
        examples=["2013-09-30"],
    )


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
    work_ability_since: date = Field(description="The day today's work ability applies from.", examples=["2012-06-15"])
    guardian_name: str | None
    guardian_relation: str | None
    guardian_phone: str | None
    notes: str | None
    registered_on: date = Field(description="The day the person was entered on the register.", examples=["2012-06-15"])
    status: Status
    archived_at: datetime | None
    archived_on: date | None = Field(
        description="When archived: the day the person left the register.", examples=[None]
    )
    archive_reason_code: LeftReason | None = Field(examples=[None])
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
    as_of: date | None = Field(
        default=None,
        description="The day every fact is computed for (e.g. a contract's start date); default today, never after "
        "today.",
        examples=["2013-03-01"],
    )


class MeasureSpan(BaseModel):
    """One control-measure episode as placement may name it: kind and dates only (corrections applied)."""

    kind: str = Field(examples=["community_detox"])
    start_on: date = Field(examples=["2012-03-01"])
    end_on: date | None = Field(description="Actual end (the day it no longer applies); null: open.", examples=[None])
    end_reason: str | None = Field(examples=[None])
    planned_end_on: date | None = Field(examples=["2015-03-01"])


class PersonLookup(BaseModel):
    """Only what other services' work needs: never the name, ID number or contact details. Every fact is as of
    `as_of` (today unless asked)."""

    id: uuid.UUID
    as_of: date = Field(description="The day these facts are for.", examples=["2013-03-01"])
    jurisdiction_code: str = Field(description="The jurisdiction that day (transfers followed).", examples=["dapu"])
    status: Status = Field(description="active when on the register that day, else archived.", examples=["active"])
    on_record: bool = Field(description="On the register (在册) that day.", examples=[True])
    age: int = Field(description="Age in whole years that day.", examples=[35])
    work_ability: WorkAbility = Field(description="Work ability that day.", examples=["able"])
    measure_in_force: str | None = Field(
        description="Kind of the control measure in force that day (null when none, or off the register).",
        examples=["community_rehabilitation"],
    )
    current_measure: str | None = Field(
        description="Alias of measure_in_force, kept for existing callers.", examples=["community_rehabilitation"]
    )
    community_measure_in_force: bool = Field(
        description="Community detox or community rehabilitation in force that day.", examples=[True]
    )
    in_custody_or_facility: bool = Field(
        description="In custody (拘留, 羁押) or a facility stay (住院 ...) that day.", examples=[False]
    )
    measures: list[MeasureSpan] = Field(
        default_factory=list, description="The person's control-measure history (corrections applied), oldest first."
    )
    eligible_for_placement: bool = Field(
        description="Eligible for placement that day, under eligibility_definition.", examples=[True]
    )
    skills: list[str] = Field(
        default_factory=list, description="The person's skills, for matching them with job posts.", examples=[["缫丝"]]
    )
    released_from_isolation_on: date | None = Field(
        default=None,
        description="When no control measure is in force that day: the day the person's last compulsory isolation "
        "(强制隔离戒毒) ended as completed, if that was their last control measure; else null.",
        examples=[None],
    )


class LookupResult(BaseModel):
    as_of: date = Field(description="The day the answer is for.", examples=["2013-03-01"])
    items: list[PersonLookup]
    missing: list[uuid.UUID] = Field(description="Ids that do not exist for the caller.")
    eligibility_definition: str = Field(
        description="The rule eligible_for_placement follows, naming its version and the day it was applied to.",
        examples=["Eligible for placement (v2) on 2013-03-01: on the register that day, aged 16-59 that day, ..."],
    )
    eligibility_version: str = Field(examples=["v2"])
