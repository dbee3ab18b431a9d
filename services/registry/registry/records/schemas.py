import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from registry.drug_tests.schemas import DrugTestRead
from registry.history.schemas import RegisterChangeRead, StayRead, WorkAbilityChangeRead
from registry.measures.schemas import MeasureRead
from registry.persons.schemas import PersonRead
from registry.support.schemas import SupportMemberRead, VisitRead
from registry.treatment.schemas import AgreementRead, CounsellingRead, MethadoneRead
from registry.welfare.schemas import ReliefRead, WelfareRead
from shared.audit_api import AuditEventRead


class RecordPerson(PersonRead):
    id_number: str = Field(
        description="The full national ID number when your department may see it (recorded as an unmask in the "
        "audit trail), else the masked one.",
        examples=["450222199001011234"],
    )
    id_number_unmasked: bool = Field(description="Whether id_number is the full number.", examples=[True])


class RelapseRead(BaseModel):
    id: uuid.UUID
    occurred_on: date
    source: str = Field(examples=["drug_test"])
    drug_test_id: uuid.UUID | None
    created_at: datetime


class PersonRecord(BaseModel):
    """Everything the registry holds about one person, for a lawful request (a copy of their data, a court's or a
    supervising authority's request). Each list is complete, oldest first."""

    generated_at: datetime = Field(description="When this copy was made.")
    person: RecordPerson
    control_measures: list[MeasureRead] = Field(
        description="Every control measure row, corrected ones included (in_force false, corrected_by_id set)."
    )
    drug_tests: list[DrugTestRead]
    relapses: list[RelapseRead]
    support_team: list[SupportMemberRead] = Field(description="Every member, past and present.")
    support_visits: list[VisitRead]
    detox_agreements: list[AgreementRead]
    methadone: list[MethadoneRead]
    counselling: list[CounsellingRead]
    welfare: WelfareRead
    relief: list[ReliefRead]
    register_changes: list[RegisterChangeRead] = Field(
        description="Off-register changes and returns by effective day, withdrawn ones included (standing false)."
    )
    work_ability_changes: list[WorkAbilityChangeRead] = Field(description="Work ability as dated changes.")
    stays: list[StayRead] = Field(description="Custody and facility stays, withdrawn ones included.")
    transfers: list[dict[str, Any]] = Field(
        description="Moves between jurisdictions (人员迁移), every column as stored.",
        examples=[
            [
                {
                    "from_jurisdiction_code": "dapu",
                    "to_jurisdiction_code": "shapu",
                    "status": "accepted",
                    "effective_on": "2013-04-01",
                }
            ]
        ],
    )
    audit_trail: list[AuditEventRead] = Field(
        description="Every audit event naming this person: who read or changed the record, when, with what outcome "
        "(this request's own entries are the last ones, written after this copy was made)."
    )
