import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from placement.placements.schemas import EndReason, Route

Tier = Literal["100_or_more", "50_to_99", "under_50", "none"]
Reason = Literal[
    "no_contract",
    "term_under_12_months",
    "not_in_force_in_year",
    "not_in_programme_at_start",
    "registry_facts_missing",
]
Programme = Literal["community_detox", "community_rehabilitation"]
TIER_LABELS_ZH: dict[str, str] = {
    "100_or_more": "100人以上",
    "50_to_99": "50人以上不足100人",
    "under_50": "不足50人",
    "none": "无符合条件人员",
}


class ContractEvidence(BaseModel):
    placement_id: uuid.UUID
    person_id: uuid.UUID = Field(description="Registry id only.")
    route: Route
    contract_number: str | None = Field(examples=["PXY-2026-0012"])
    signed_on: date | None
    start_on: date
    end_on: date | None = Field(description="The contract's agreed last day; null when open-ended.")
    open_ended: bool | None
    term_months: int | None = Field(examples=[12])
    ended_on: date | None = Field(description="Last day of work, when the placement ended.")
    end_reason: EndReason | None
    in_force_from: date | None = Field(description="First day in force within the year, if any.")
    in_force_to: date | None = Field(description="Last day in force within the year, if any.")
    days_in_force_in_year: int = Field(examples=[365])
    programme_at_start: Programme | None = Field(
        description="The community measure the person was under on the contract's start date (社区戒毒 "
        "community_detox or 社区康复 community_rehabilitation), from the registry's measure history; null when "
        "neither (or the registry's facts about the person have not reached placement).",
        examples=["community_rehabilitation"],
    )


class NonQualifying(ContractEvidence):
    reasons: list[Reason] = Field(
        description="Every one that applies: no_contract, term_under_12_months, not_in_force_in_year, "
        "not_in_programme_at_start (on the contract's start date the person was under neither community detox nor "
        "community rehabilitation), registry_facts_missing (the registry's feed has not told placement about the "
        "person yet: re-read later).",
        examples=[["term_under_12_months"]],
    )


class QualifyingPerson(BaseModel):
    person_id: uuid.UUID = Field(description="Registry id only.")
    contracts: list[ContractEvidence] = Field(description="Every qualifying contract of the person at the employer.")


class SubsidyEvidence(BaseModel):
    employer_id: uuid.UUID
    year: int = Field(examples=[2026])
    definition_version: str = Field(description="Version of the rule applied.", examples=["v2"])
    definition: str = Field(description="The rule applied, in words (versioned).")
    registry_facts_as_of: datetime | None = Field(
        description="When placement last read the registry's event feed up to date: the measure history behind "
        "programme_at_start is as of then (null: never read; every contract is then registry_facts_missing).",
        examples=["2026-12-06T08:00:02Z"],
    )
    headcount: int = Field(description="People with at least one qualifying contract.", examples=[42])
    tier: Tier = Field(description="100_or_more (≥100), 50_to_99, under_50 (1-49) or none (0).", examples=["under_50"])
    tier_label_zh: str = Field(examples=["不足50人"])
    qualifying: list[QualifyingPerson]
    non_qualifying: list[NonQualifying]
