import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from subsidy.money import Money
from subsidy.types import BeneficiaryKind, SubsidyTypeCode

BENEFICIARY_LABELS_ZH: dict[str, str] = {"employer": "用人单位", "person": "个人"}

EVIDENCE_EXAMPLE = {
    "rule": {"type": "enterprise_placement", "method": "tiered", "minimum_contract_months": 12},
    "definition": "Qualifying contract (v1): ...",
    "eligibility": {
        "eligible": True,
        "reasons": [],
        "employer_kind": "enterprise",
        "qihang": {
            "held_in_year": True,
            "days_in_year": 365,
            "periods": [{"from_on": "2013-01-01", "to_on": "2013-12-31"}],
        },
    },
    "counted": [
        {
            "placement_id": "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a",
            "person_id": "8d1f2e3a-0b4c-4d5e-8f6a-7b8c9d0e1f2a",
            "route": "centralised",
            "start_on": "2013-01-01",
            "end_on": "2013-12-31",
            "term_months": 12,
            "days_in_force_in_year": 365,
        }
    ],
    "excluded": [
        {
            "placement_id": "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d",
            "person_id": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
            "term_months": 11,
            "reasons": ["term_under_minimum"],
        }
    ],
    "computation": {
        "method": "tiered",
        "headcount": 1,
        "tier": {"min_headcount": 1, "max_headcount": 49, "amount": "10000.00"},
        "amount": "10000.00",
    },
}


class DecisionSummary(BaseModel):
    id: uuid.UUID = Field(examples=["2c9d7f3e-5b1a-4e8d-9f6c-3a2b1c0d9e8f"])
    year: int = Field(examples=[2013])
    subsidy_type: SubsidyTypeCode = Field(examples=["enterprise_placement"])
    subsidy_type_label_zh: str = Field(examples=["启航工程企业安置补助"])
    beneficiary_kind: BeneficiaryKind = Field(examples=["employer"])
    beneficiary_id: uuid.UUID = Field(
        description="The employer's id in placement, or the person's registry id (never a name or ID number).",
        examples=["3f0e8a52-7c1d-4f7e-9d7b-2a4c5e6f7a8b"],
    )
    jurisdiction_code: str = Field(description="The beneficiary's jurisdiction.", examples=["dapu"])
    version: int = Field(description="1, then 2, 3 ... when a re-evaluation found other evidence.", examples=[1])
    is_current: bool = Field(description="The latest version; older ones are kept as they were.", examples=[True])
    policy_id: uuid.UUID
    policy_version: int = Field(examples=[1])
    qualifying_count: int = Field(
        description="People counted (months for a post, loans for interest, 1 for a self-employed person).",
        examples=[42],
    )
    tier: str | None = Field(description="The headcount tier (tiered enterprise subsidy only).", examples=["1-49"])
    tier_label_zh: str | None = Field(examples=["1–49人"])
    amount: Money = Field(description="CNY, rounded once, half-up to the fen.", examples=["10000.00"])
    difference: dict[str, Any] | None = Field(
        description="What differs from the previous version: counted people (or posts, records, loans) added and "
        "removed, and count, tier, amount and policy version before and after. Null for version 1.",
        examples=[
            {
                "from_version": 1,
                "counted_key": "person_id",
                "added": ["8d1f2e3a-0b4c-4d5e-8f6a-7b8c9d0e1f2a"],
                "removed": [],
                "qualifying_count": {"before": 49, "after": 50},
                "tier": {"before": "1-49", "after": "50-99"},
                "amount": {"before": "10000.00", "after": "20000.00"},
                "policy_version": {"before": 1, "after": 1},
            }
        ],
    )
    evaluation_id: uuid.UUID | None = Field(description="The evaluation that wrote it.")
    decided_by: str = Field(description="Subject of who started that evaluation.")
    decided_at: datetime


class DecisionRead(DecisionSummary):
    evidence: dict[str, Any] = Field(
        description="The frozen evidence: the rule applied, eligibility (with the Qihang designation for "
        "employers), every counted and every excluded contract, record or loan with its reasons (registry ids "
        "only), and how the amount was computed. A later change in placement never changes it.",
        examples=[EVIDENCE_EXAMPLE],
    )
    evidence_hash: str = Field(description="sha256 of the evidence (its wording of the rule aside).")
