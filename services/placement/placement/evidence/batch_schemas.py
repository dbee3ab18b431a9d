"""The batch answer of subsidy evidence: many employers of one year in one call, each with what the subsidy service
needs to decide every employer-side subsidy (kind, jurisdiction, Qihang designation in the year, every contract
concerning the year with why it does or does not qualify). People are registry ids only."""

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

from placement.employers.schemas import EmployerKind
from placement.evidence.schemas import ContractEvidence, Reason, Tier


class QihangPeriod(BaseModel):
    from_on: date = Field(description="First day of the year the designation was active.", examples=["2013-01-01"])
    to_on: date = Field(description="Last day of the year the designation was active.", examples=["2013-06-29"])


class QihangInYear(BaseModel):
    held_in_year: bool = Field(
        description="The Qihang designation was active on at least one day of the year.", examples=[True]
    )
    days_in_year: int = Field(description="Days of the year it was active.", examples=[180])
    periods: list[QihangPeriod] = Field(description="The spans of the year it was active, in order.")


class BatchContract(ContractEvidence):
    person_jurisdiction_code: str = Field(
        description="The person's jurisdiction recorded with the placement.", examples=["dapu"]
    )
    qualifies: bool = Field(description="Counts for the enterprise subsidy under the stated rule.", examples=[True])
    reasons: list[Reason] = Field(description="Why it does not qualify (empty when it does).", examples=[[]])


class EmployerEvidence(BaseModel):
    employer_id: uuid.UUID
    kind: EmployerKind = Field(examples=["enterprise"])
    jurisdiction_code: str = Field(description="The employer's jurisdiction.", examples=["dapu"])
    qihang: QihangInYear
    headcount: int = Field(description="People with at least one qualifying contract.", examples=[42])
    tier: Tier = Field(examples=["under_50"])
    contracts: list[BatchContract] = Field(
        description="Every placement at the employer concerning the year (the single-employer evidence lists the "
        "same ones), by start date."
    )


class BatchEvidence(BaseModel):
    """One page of employers. Pass `next_cursor` back as `cursor` for the next page; null means the end."""

    year: int = Field(examples=[2013])
    definition_version: str = Field(description="Version of the per-contract rule applied.", examples=["v2"])
    definition: str = Field(description="The per-contract rule applied, in words (the single-employer evidence's).")
    registry_facts_as_of: datetime | None = Field(
        description="When placement last read the registry's event feed up to date: each contract's "
        "programme_at_start is as of then (null: never read; every contract is then registry_facts_missing).",
        examples=["2026-12-06T08:00:02Z"],
    )
    total_employers: int | None = Field(
        description="How many employers the whole answer has (on the first page only; null on the others).",
        examples=[412],
    )
    items: list[EmployerEvidence]
    missing: list[uuid.UUID] = Field(description="Asked-for employer ids that do not exist.", examples=[[]])
    next_cursor: str | None = Field(description="Cursor of the next page, or null at the end.")
    limit: int = Field(examples=[100])
