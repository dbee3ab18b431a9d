import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from registry.inputs import Notes, Text100
from shared.inputs import not_in_future

CounsellingKind = Literal["psychological", "medical", "group"]
EndReason = Literal["completed", "withdrew", "transferred", "relapse", "detained", "death", "other"]

LABELS_ZH: dict[str, dict[str, str]] = {
    "kind": {"psychological": "心理咨询", "medical": "医疗咨询", "group": "团体辅导"},
    "end_reason": {
        "completed": "治疗完成",
        "withdrew": "自愿退出",
        "transferred": "转诊",
        "relapse": "复吸",
        "detained": "被强制隔离戒毒或羁押",
        "death": "死亡",
        "other": "其他",
    },
}


class AgreementCreate(BaseModel):
    """Record a voluntary detox agreement (自愿戒毒协议)."""

    model_config = ConfigDict(extra="forbid")

    institution: Text100 = Field(examples=["柳城县人民医院"])
    signed_on: date = Field(examples=["2012-06-01"])
    start_on: date = Field(examples=["2012-06-05"])
    end_on: date | None = Field(default=None, description="Planned or actual end, if known.", examples=["2012-09-05"])
    guardian_signed: bool = Field(description="The guardian co-signed the agreement.", examples=[True])

    _past = field_validator("signed_on")(not_in_future)

    @model_validator(mode="after")
    def _ordered(self) -> "AgreementCreate":
        if self.start_on < self.signed_on:
            raise ValueError("start_on must not be before signed_on")
        if self.end_on is not None and self.end_on < self.start_on:
            raise ValueError("end_on must not be before start_on")
        return self


class AgreementRead(BaseModel):
    id: uuid.UUID
    person_id: uuid.UUID
    institution: str
    signed_on: date
    start_on: date
    end_on: date | None
    guardian_signed: bool
    created_at: datetime


class MethadoneCreate(BaseModel):
    """Enrol the person in methadone maintenance treatment (美沙酮维持治疗)."""

    model_config = ConfigDict(extra="forbid")

    clinic: Text100 = Field(examples=["柳城县美沙酮维持治疗门诊"])
    enrolled_on: date = Field(examples=["2012-06-01"])

    _past = field_validator("enrolled_on")(not_in_future)


class MethadoneEnd(BaseModel):
    """End an open enrolment."""

    model_config = ConfigDict(extra="forbid")

    ended_on: date = Field(examples=["2013-06-01"])
    end_reason: EndReason = Field(examples=["completed"])

    _past = field_validator("ended_on")(not_in_future)


class MethadoneRead(BaseModel):
    id: uuid.UUID
    person_id: uuid.UUID
    clinic: str
    enrolled_on: date
    ended_on: date | None
    end_reason: EndReason | None
    end_reason_label_zh: str | None = Field(examples=["治疗完成"])
    active: bool = Field(description="Not ended yet.")
    created_at: datetime


class CounsellingCreate(BaseModel):
    """Record a counselling session."""

    model_config = ConfigDict(extra="forbid")

    held_on: date = Field(examples=["2012-07-01"])
    provider: Text100 = Field(description="Who gave it (person or institution).", examples=["县人民医院心理科"])
    kind: CounsellingKind = Field(examples=["psychological"])
    notes: Notes | None = Field(default=None, description="Sensitive; never written to the audit trail.")

    _past = field_validator("held_on")(not_in_future)


class CounsellingRead(BaseModel):
    id: uuid.UUID
    person_id: uuid.UUID
    held_on: date
    provider: str
    kind: CounsellingKind
    kind_label_zh: str = Field(examples=["心理咨询"])
    notes: str | None
    created_at: datetime
