"""Placement's answers as this service reads them: the batch subsidy evidence (GET /api/v1/subsidy-evidence), the
self-employment records and the loans of a year. Only the fields used are declared; unknown ones are ignored, so
placement may add to its answers without breaking this service. Registry ids only: no names, no ID numbers."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict


class _Answer(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class ContractFacts(_Answer):
    placement_id: uuid.UUID
    person_id: uuid.UUID
    person_jurisdiction_code: str
    route: str
    start_on: date
    end_on: date | None
    open_ended: bool | None
    term_months: int | None
    ended_on: date | None
    in_force_from: date | None
    in_force_to: date | None
    days_in_force_in_year: int
    programme_at_start: str | None = None
    reasons: list[str]


class QihangPeriod(_Answer):
    from_on: date
    to_on: date


class QihangInYear(_Answer):
    held_in_year: bool
    days_in_year: int
    periods: list[QihangPeriod]


class EmployerFacts(_Answer):
    employer_id: uuid.UUID
    kind: str
    jurisdiction_code: str
    qihang: QihangInYear
    contracts: list[ContractFacts]


class EvidencePage(_Answer):
    year: int
    definition_version: str | None = None
    definition: str
    registry_facts_as_of: datetime | None = None
    total_employers: int | None = None
    items: list[EmployerFacts]
    missing: list[uuid.UUID] = []
    next_cursor: str | None


class SelfEmploymentFacts(_Answer):
    id: uuid.UUID
    person_id: uuid.UUID
    jurisdiction_code: str
    business_kind: str
    start_on: date
    end_on: date | None
    status: str


class SelfEmploymentPage(_Answer):
    items: list[SelfEmploymentFacts]
    next_cursor: str | None


class LoanFacts(_Answer):
    loan_id: uuid.UUID
    self_employment_id: uuid.UUID
    person_id: uuid.UUID
    jurisdiction_code: str
    amount: Decimal
    annual_rate_percent: Decimal
    disbursed_on: date
    maturity_on: date
    interest_days: int


class LoanPage(_Answer):
    items: list[LoanFacts]
    next_cursor: str | None
