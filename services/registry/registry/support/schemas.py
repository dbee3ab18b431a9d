import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from registry.inputs import Name, Notes, Phone, Text100
from shared.inputs import not_in_future

MemberRole = Literal["drug_control_worker", "community_police", "guardian", "volunteer", "other"]
VisitKind = Literal["home_visit", "talk", "phone_call", "counselling", "other"]

LABELS_ZH: dict[str, dict[str, str]] = {
    "role": {
        "drug_control_worker": "社区禁毒工作者",
        "community_police": "社区民警",
        "guardian": "监护人",
        "volunteer": "志愿者",
        "other": "其他",
    },
    "kind": {
        "home_visit": "走访",
        "talk": "谈话",
        "phone_call": "电话联系",
        "counselling": "心理辅导",
        "other": "其他",
    },
}


class SupportMemberCreate(BaseModel):
    """Add a member to the person's support team."""

    model_config = ConfigDict(extra="forbid")

    role: MemberRole = Field(examples=["drug_control_worker"])
    name: Name = Field(examples=["覃某某"])
    phone: Phone | None = Field(default=None, examples=["13800000000"])
    organisation: Text100 | None = Field(default=None, examples=["大埔镇禁毒办"])
    from_on: date = Field(description="First day on the team.", examples=["2012-06-01"])


class SupportMemberLeave(BaseModel):
    """A member leaves the team; the membership stays in the history."""

    model_config = ConfigDict(extra="forbid")

    to_on: date = Field(description="Last day on the team.", examples=["2013-05-31"])


class SupportMemberRead(BaseModel):
    id: uuid.UUID
    person_id: uuid.UUID
    role: MemberRole
    role_label_zh: str = Field(examples=["社区禁毒工作者"])
    name: str
    phone: str | None
    organisation: str | None
    from_on: date
    to_on: date | None
    current: bool = Field(description="On the team today.")
    created_at: datetime


class VisitCreate(BaseModel):
    """Record a visit or talk (走访 / 谈话)."""

    model_config = ConfigDict(extra="forbid")

    visited_on: date = Field(examples=["2012-07-15"])
    kind: VisitKind = Field(examples=["home_visit"])
    member_id: uuid.UUID = Field(description="The support team member who made it.")
    notes: Notes = Field(description="Summary of the visit (sensitive; never written to the audit trail).")

    _past = field_validator("visited_on")(not_in_future)


class VisitRead(BaseModel):
    id: uuid.UUID
    person_id: uuid.UUID
    visited_on: date
    kind: VisitKind
    kind_label_zh: str = Field(examples=["走访"])
    member_id: uuid.UUID
    notes: str
    created_at: datetime
