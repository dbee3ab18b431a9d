import uuid
from datetime import date, datetime
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field

ProviderKind = Literal["human_resources", "detox_facility", "employer"]
EnrolmentStatus = Literal["enrolled", "completed", "withdrawn"]
REQUIRED_PER_YEAR: Final = 2

LABELS_ZH: Final[dict[str, dict[str, str]]] = {
    "provider_kind": {
        "human_resources": "就业指导部门（县人社局）",
        "detox_facility": "戒毒场所",
        "employer": "安置企业",
    },
    "status": {"enrolled": "已报名", "completed": "已结业", "withdrawn": "已退出"},
}


class CourseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=200, examples=["蚕桑养殖与缫丝技能培训"])
    provider_kind: ProviderKind = Field(
        description="human_resources 就业指导部门 (县人社局), detox_facility 戒毒场所 or employer 安置企业.",
        examples=["employer"],
    )
    provider_name: str = Field(min_length=1, max_length=200, examples=["柳城县鹏鑫源茧丝绸公司"])
    skill: str = Field(min_length=1, max_length=100, description="The skill taught.", examples=["缫丝"])
    hours: int = Field(ge=1, le=2000, description="Teaching hours.", examples=[40])


class CourseRead(BaseModel):
    id: uuid.UUID = Field(examples=["0b7e2f4d-9c11-4c8e-9a57-5f0c6a1e3d2b"])
    title: str = Field(examples=["蚕桑养殖与缫丝技能培训"])
    provider_kind: ProviderKind = Field(examples=["employer"])
    provider_kind_label_zh: str = Field(examples=["安置企业"])
    provider_name: str = Field(examples=["柳城县鹏鑫源茧丝绸公司"])
    skill: str = Field(examples=["缫丝"])
    hours: int = Field(examples=[40])
    created_at: datetime
    updated_at: datetime
    version: int = Field(examples=[1])


class SessionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    course_id: uuid.UUID = Field(description="The course this session runs.")
    start_on: date = Field(examples=["2026-03-02"])
    end_on: date = Field(description="Last day; not before start_on.", examples=["2026-03-06"])
    place: str = Field(min_length=1, max_length=200, examples=["大埔镇社区戒毒康复工作站"])


class SessionRead(BaseModel):
    id: uuid.UUID
    course_id: uuid.UUID
    course_title: str = Field(examples=["蚕桑养殖与缫丝技能培训"])
    start_on: date
    end_on: date
    place: str = Field(examples=["大埔镇社区戒毒康复工作站"])
    created_at: datetime
    updated_at: datetime
    version: int = Field(examples=[1])


class EnrolmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_id: uuid.UUID = Field(
        description="The person's registry id; township staff may enrol only their own jurisdiction's people.",
        examples=["8d1f2e3a-0b4c-4d5e-8f6a-7b8c9d0e1f2a"],
    )


class Completion(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    completed_on: date = Field(description="Day of completion: within or after the session, not in the future.")
    certificate_number: str | None = Field(
        default=None,
        min_length=1,
        max_length=60,
        description="Certificate (结业证书) number, if one was issued.",
        examples=["LC-2026-0315"],
    )


class EnrolmentRead(BaseModel):
    id: uuid.UUID
    session_id: uuid.UUID
    course_id: uuid.UUID
    person_id: uuid.UUID = Field(examples=["8d1f2e3a-0b4c-4d5e-8f6a-7b8c9d0e1f2a"])
    jurisdiction_code: str = Field(examples=["dapu"])
    status: EnrolmentStatus = Field(examples=["completed"])
    status_label_zh: str = Field(examples=["已结业"])
    completed_on: date | None = Field(examples=["2026-03-06"])
    certificate_number: str | None = Field(examples=["LC-2026-0315"])
    created_at: datetime
    updated_at: datetime
    version: int = Field(examples=[2])


class ShortfallItem(BaseModel):
    person_id: uuid.UUID = Field(examples=["8d1f2e3a-0b4c-4d5e-8f6a-7b8c9d0e1f2a"])
    jurisdiction_code: str = Field(examples=["dapu"])
    trainings_completed: int = Field(description="Trainings completed in the year.", examples=[1])
    trainings_missing: int = Field(description="How many short of the notice's two a year.", examples=[1])


class ShortfallPage(BaseModel):
    """Eligible people with fewer than two completed trainings in the year (notice 84号: at least two a year)."""

    year: int = Field(examples=[2026])
    required_per_year: int = Field(examples=[2])
    eligibility_definition: str = Field(description="Which people counted as eligible (versioned).")
    eligible_count: int = Field(description="Eligible people in scope (jurisdiction filters applied).", examples=[40])
    shortfall_count: int = Field(description="Of them, how many are short of two trainings.", examples=[12])
    items: list[ShortfallItem]
    next_cursor: str | None = Field(default=None, description="Opaque cursor of the next page, or null at the end.")
    limit: int = Field(examples=[50])
