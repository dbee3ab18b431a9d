import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Status = Literal["open", "done"]


class ActionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str = Field(min_length=2, max_length=2000, examples=["补录2013年度安置记录并建立台账"])
    due_on: date = Field(examples=["2014-03-31"])


class VisitCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    visited_on: date = Field(examples=["2014-01-20"])
    jurisdiction_code: str = Field(max_length=40, examples=["dapu"])
    kind: Literal["regular", "surprise", "paired"] = Field(
        description="regular (定期), surprise (不定期抽查) or paired (结对督导).", examples=["regular"]
    )
    inspectors: list[str] = Field(
        min_length=1,
        max_length=20,
        description="The county officials who inspected (name and unit).",
        examples=[["县禁毒办 韦丽"]],
    )
    findings: list[str] = Field(
        max_length=50, description="What they found (never a client's personal details).", examples=[["安置台账不全"]]
    )
    corrective_actions: list[ActionCreate] = Field(default_factory=list, max_length=50)


class ActionRead(BaseModel):
    id: uuid.UUID
    description: str = Field(examples=["补录2013年度安置记录并建立台账"])
    due_on: date = Field(examples=["2014-03-31"])
    status: Status = Field(examples=["open"])
    done_on: date | None = Field(examples=[None])
    progress_note: str | None = Field(examples=[None])
    overdue: bool = Field(description="Open after its due date (today).", examples=[False])
    version: int = Field(description='Send as If-Match ("1") to record progress.', examples=[1])


class VisitRead(BaseModel):
    id: uuid.UUID
    visited_on: date
    jurisdiction_code: str = Field(examples=["dapu"])
    jurisdiction_name_zh: str = Field(examples=["大埔镇"])
    kind: str = Field(examples=["regular"])
    inspectors: list[str]
    findings: list[str]
    corrective_actions: list[ActionRead]
    created_by: str
    created_at: datetime


class ItemCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str = Field(min_length=2, max_length=2000, examples=["人社局一季度组织两期技能培训"])
    owner_department: str = Field(
        max_length=40, description="The unit responsible (a department code).", examples=["human_resources"]
    )
    owner_jurisdiction: str | None = Field(
        default=None, max_length=40, description="For a township's own item (department `township`).", examples=[None]
    )
    due_on: date = Field(examples=["2014-03-31"])


class MeetingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    held_on: date = Field(examples=["2014-01-08"])
    title: str = Field(min_length=2, max_length=200, examples=["2014年第一次禁毒工作联席会议"])
    units_present: list[str] = Field(
        min_length=1,
        max_length=30,
        description="Department codes of the units present.",
        examples=[["nco", "police", "human_resources"]],
    )
    decisions: list[str] = Field(max_length=50, examples=[["各乡镇2014年一季度安置率须达到40%"]])
    action_items: list[ItemCreate] = Field(default_factory=list, max_length=50)


class ItemRead(BaseModel):
    id: uuid.UUID
    description: str
    owner_department: str = Field(examples=["human_resources"])
    owner_department_zh: str = Field(examples=["县人社局"])
    owner_jurisdiction: str | None
    due_on: date
    status: Status
    done_on: date | None
    progress_note: str | None
    overdue: bool
    version: int


class MeetingRead(BaseModel):
    id: uuid.UUID
    held_on: date
    title: str
    units_present: list[str]
    decisions: list[str]
    action_items: list[ItemRead]
    created_by: str
    created_at: datetime


class ProgressUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Status = Field(examples=["done"])
    done_on: date | None = Field(
        default=None, description="Required with status done; not in the future.", examples=["2014-03-20"]
    )
    progress_note: str | None = Field(default=None, max_length=2000, examples=["台账已建立"])


class OverdueRead(BaseModel):
    kind: Literal["corrective_action", "action_item"] = Field(examples=["corrective_action"])
    id: uuid.UUID
    source_id: uuid.UUID = Field(description="The visit or the meeting it comes from.")
    source_on: date = Field(description="When the visit or meeting was.")
    owner: str = Field(description="The jurisdiction or unit responsible.", examples=["大埔镇"])
    description: str
    due_on: date
    days_overdue: int = Field(examples=[12])
