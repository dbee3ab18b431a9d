import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from registry.measures.rules import EndReason, MeasureKind

Text100 = Annotated[str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True)]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=500, strip_whitespace=True)]


class _EndFields(BaseModel):
    @model_validator(mode="after")
    def _end_and_reason_together(self):
        if (self.actual_end_on is None) != (self.end_reason is None):
            raise ValueError("actual_end_on and end_reason go together: give both or neither")
        return self


class MeasureCreate(_EndFields):
    """A control-measure episode. planned_end_on defaults by kind (community detox and rehabilitation: start + 3
    years; compulsory isolation: start + 2 years; others: none). A past, already ended episode may be recorded with
    actual_end_on and end_reason."""

    model_config = ConfigDict(extra="forbid")

    kind: MeasureKind = Field(examples=["community_detox"])
    start_on: date = Field(examples=["2024-03-01"])
    planned_end_on: date | None = Field(default=None, examples=["2027-03-01"])
    actual_end_on: date | None = Field(default=None, description="Only to record an episode already over.")
    end_reason: EndReason | None = Field(default=None, examples=["completed"])
    decision_number: Text100 | None = Field(
        default=None, description="决定书文号", examples=["柳公(禁)社戒决字〔2024〕12号"]
    )
    issuing_authority: Text100 | None = Field(default=None, examples=["柳城县公安局"])


class MeasureCorrection(MeasureCreate):
    """The corrected episode in full, and why: it supersedes the one corrected, which stays in the history."""

    reason: Reason = Field(description="Why the earlier entry was wrong.", examples=["决定书日期录入错误"])


class MeasureEnd(BaseModel):
    """End an open episode (once)."""

    model_config = ConfigDict(extra="forbid")

    actual_end_on: date = Field(examples=["2027-03-01"])
    end_reason: EndReason = Field(examples=["completed"])


class MeasureRead(BaseModel):
    id: uuid.UUID
    person_id: uuid.UUID
    kind: MeasureKind
    kind_label_zh: str = Field(examples=["社区戒毒"])
    start_on: date
    planned_end_on: date | None
    actual_end_on: date | None
    end_reason: EndReason | None
    end_reason_label_zh: str | None
    decision_number: str | None
    issuing_authority: str | None
    corrects_id: uuid.UUID | None = Field(description="The entry this one corrects (supersedes).")
    correction_reason: str | None
    corrected_by_id: uuid.UUID | None = Field(description="The correction that supersedes this entry, if any.")
    in_force: bool = Field(description="False when a correction supersedes this entry.")
    created_by: str
    created_at: datetime
    ended_by: str | None
    ended_at: datetime | None


class CurrentMeasureRead(BaseModel):
    id: uuid.UUID
    kind: MeasureKind
    kind_label_zh: str
    since: date
    planned_end_on: date | None


class StatusDefinition(BaseModel):
    consolidation_years: int = Field(examples=[3])
    text: str


class StatusRead(BaseModel):
    """A person's control status as of a date, derived from measures and drug tests (corrections applied)."""

    person_id: uuid.UUID
    as_of: date
    under_control: bool
    current_measure: CurrentMeasureRead | None
    lost_contact: bool
    last_relapse_on: date | None
    abstinent_since: date | None
    consolidated: bool
    definition: StatusDefinition
