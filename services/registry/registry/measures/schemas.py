import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from registry.inputs import Reason, Text100
from registry.measures.rules import EndReason, MeasureKind
from registry.persons.schemas import WorkAbility


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
    kind_label_zh: str = Field(examples=["社区戒毒"])
    since: date = Field(examples=["2012-03-01"])
    planned_end_on: date | None = Field(examples=["2015-03-01"])


class StayBrief(BaseModel):
    """A custody or facility stay in force on the day."""

    id: uuid.UUID
    kind: str = Field(examples=["detention"])
    kind_label_zh: str = Field(examples=["拘留"])
    start_on: date = Field(examples=["2013-05-02"])
    end_on: date | None = Field(examples=["2013-05-17"])
    for_drug_use: bool = Field(examples=[True])


class ConsolidationClock(BaseModel):
    start_on: date = Field(
        description="The day the clock started (rule v2), as known on the day.", examples=["2012-03-01"]
    )
    reason: str = Field(
        description="What started it: positive_test, relapse, community_detox, compulsory_isolation, "
        "custody_for_drug_use, or first_measure (none of these on record).",
        examples=["community_detox"],
    )
    consolidated_from: date = Field(
        description="start_on plus N years: the first consolidated day if nothing restarts the clock.",
        examples=["2015-03-01"],
    )


class StatusDefinition(BaseModel):
    rule_version: str = Field(description="Version of the consolidation and control rule.", examples=["v2"])
    consolidation_years: int = Field(examples=[3])
    text: str = Field(description="The rule in words, with its N.")
    on_record_text: str = Field(description="What on the register (在册) means.")


class StatusRead(BaseModel):
    """A person's status as of a day, derived from their dated history (corrections applied, withdrawn entries
    left out): on the register, jurisdiction, work ability, control measure, stays, consolidation (rule v2)."""

    person_id: uuid.UUID
    as_of: date = Field(examples=["2013-12-31"])
    on_record: bool = Field(description="On the register (在册) that day.", examples=[True])
    off_register_reason: str | None = Field(
        description="Why not on the register that day: not_yet_registered, died, moved_out_of_county, "
        "entered_in_error or other.",
        examples=[None],
    )
    registered_on: date = Field(examples=["2012-06-15"])
    jurisdiction_code: str = Field(description="The jurisdiction that day (transfers followed).", examples=["dapu"])
    work_ability: WorkAbility = Field(description="Work ability that day.", examples=["able"])
    under_control: bool = Field(
        description="On the register with a control measure in force that day (never when off the register).",
        examples=[True],
    )
    current_measure: CurrentMeasureRead | None = Field(description="The control measure in force that day.")
    community_measure_in_force: bool = Field(
        description="Community detox or community rehabilitation in force that day.", examples=[True]
    )
    lost_contact: bool = Field(examples=[False])
    in_custody_or_facility: bool = Field(
        description="In custody or a facility stay that day (the community measure is not ended by it).",
        examples=[False],
    )
    stays: list[StayBrief] = Field(description="The stays in force that day.")
    last_relapse_on: date | None = Field(examples=[None])
    abstinent_since: date | None = Field(
        description="The consolidation clock's start (rule v2); null: no clock.", examples=["2012-03-01"]
    )
    consolidation_clock: ConsolidationClock | None
    consolidated: bool = Field(examples=[False])
    eligible_for_placement: bool = Field(
        description="Eligible for placement that day (the lookup's definition, v2).", examples=[True]
    )
    definition: StatusDefinition
