import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from placement.posts.schemas import WORKING_PATTERN_LABELS_ZH, Wage, WageOut, WorkingPattern

Route = Literal[
    "centralised",
    "dispersed",
    "public_welfare_post",
    "self_employment",
    "flexible",
    "government_guaranteed",
    "in_facility_production",
]
EndReason = Literal[
    "contract_ended", "resigned", "dismissed", "relapse", "custody", "moved_away", "died", "compulsory_isolation"
]
PlacementStatus = Literal["active", "ended"]
FollowUpMonths = Literal[3, 6, 12]

ROUTE_LABELS_ZH: dict[str, str] = {
    "centralised": "集中安置",
    "dispersed": "分散安置",
    "public_welfare_post": "公益性岗位安置",
    "self_employment": "自主创业",
    "flexible": "灵活就业",
    "government_guaranteed": "政府保障安置",
    "in_facility_production": "场所内生产",
}
END_REASON_LABELS_ZH: dict[str, str] = {
    "contract_ended": "合同期满",
    "resigned": "主动辞职",
    "dismissed": "被辞退",
    "relapse": "复吸",
    "custody": "被羁押",
    "moved_away": "迁出",
    "died": "死亡",
    "compulsory_isolation": "强制隔离戒毒",
}
STATUS_LABELS_ZH: dict[str, str] = {"active": "在岗", "ended": "已结束"}
# Routes that are employment by an employer under a contract: both are required for them.
EMPLOYED_ROUTES = frozenset({"centralised", "dispersed", "public_welfare_post"})
WORKING_PATTERN_LABELS = WORKING_PATTERN_LABELS_ZH


class Contract(BaseModel):
    """The employment contract (劳动合同). Its term in months is computed, never sent."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    number: Annotated[str, StringConstraints(min_length=1, max_length=60)] = Field(
        description="The contract's number.", examples=["PXY-2026-0012"]
    )
    signed_on: date = Field(description="Day it was signed.", examples=["2026-11-25"])
    start_on: date = Field(description="First day of the contract (and of the placement).", examples=["2026-12-01"])
    end_on: date | None = Field(
        default=None, description="Last day of a fixed-term contract; none when open-ended.", examples=["2027-11-30"]
    )
    open_ended: bool = Field(default=False, description="无固定期限劳动合同: no end day.", examples=[False])
    monthly_wage: Wage = Field(description="Monthly wage in yuan (CNY), two places.", examples=["2200.00"])

    @model_validator(mode="after")
    def _term(self) -> "Contract":
        if self.open_ended and self.end_on is not None:
            raise ValueError("an open-ended contract has no end_on")
        if not self.open_ended and self.end_on is None:
            raise ValueError("a fixed-term contract needs end_on (or set open_ended)")
        if self.end_on is not None and self.end_on < self.start_on:
            raise ValueError("end_on must not be before start_on")
        if self.signed_on > (self.end_on or self.signed_on):
            raise ValueError("signed_on must not be after end_on")
        return self


class PlacementCreate(BaseModel):
    """Place a person. The registry is asked (with your token) that the person exists for you, is under community
    detox or rehabilitation (or released from compulsory isolation) and can work."""

    model_config = ConfigDict(extra="forbid")

    person_id: uuid.UUID = Field(
        description="The person's registry id.", examples=["8d1f2c3b-4a5e-4f60-9a7b-1c2d3e4f5a6b"]
    )
    route: Route = Field(
        description="集中安置 centralised, 分散安置 dispersed, 公益性岗位 public_welfare_post, 自主创业 "
        "self_employment, 灵活就业 flexible, 政府保障安置 government_guaranteed, 场所内生产 in_facility_production. "
        "centralised, dispersed and public_welfare_post need an employer and a contract.",
        examples=["centralised"],
    )
    employer_id: uuid.UUID | None = Field(
        default=None, description="The employer; taken from the post when one is given.", examples=[None]
    )
    site_id: uuid.UUID | None = Field(
        default=None,
        description="The placement base or point (安置基地/安置点), if any: it must exist, and its employer is the "
        "placement's (employer_id, if given, must be the same).",
        examples=[None],
    )
    post_id: uuid.UUID | None = Field(
        default=None,
        description="The job post filled; takes one of its places (409 when none is left).",
        examples=["7d5e3c1a-1b2c-4d5e-8f90-a1b2c3d4e5f6"],
    )
    working_pattern: WorkingPattern | None = Field(
        default=None,
        description="Defaults to the post's, else full_time. One active full-time placement a person.",
        examples=["full_time"],
    )
    start_on: date | None = Field(
        default=None,
        description="First day; required without a contract, else the contract's start.",
        examples=["2026-12-01"],
    )
    contract: Contract | None = Field(default=None, description="The employment contract.")

    @model_validator(mode="after")
    def _shape(self) -> "PlacementCreate":
        if self.route in EMPLOYED_ROUTES and self.contract is None:
            raise ValueError(f"a {self.route} placement needs its employment contract")
        if self.contract is None and self.start_on is None:
            raise ValueError("start_on is required without a contract")
        if self.contract is not None and self.start_on is not None and self.start_on != self.contract.start_on:
            raise ValueError("start_on must equal the contract's start_on (or be left out)")
        return self


class PlacementCorrection(BaseModel):
    """Correct what was recorded (a typo in the contract, the wrong site); send the ETag of your last read as
    If-Match. The start cannot change, and a new contract (a renewal) is not a correction: end the placement with
    contract_ended and record a new one, so each year's subsidy evidence keeps the contract that was in force."""

    model_config = ConfigDict(extra="forbid")

    contract: Contract | None = Field(default=None, description="The contract as it should have been recorded.")
    site_id: uuid.UUID | None = Field(default=None, description="The right placement site.", examples=[None])

    @model_validator(mode="after")
    def _something(self) -> "PlacementCorrection":
        if not self.model_fields_set:
            raise ValueError("give the contract or the site to correct")
        return self


class PlacementEnd(BaseModel):
    """End a placement; send the ETag of your last read as If-Match."""

    model_config = ConfigDict(extra="forbid")

    ended_on: date = Field(description="Last day of work.", examples=["2027-03-31"])
    reason: EndReason = Field(
        description="contract_ended 合同期满, resigned 主动辞职, dismissed 被辞退, relapse 复吸, custody 被羁押, "
        "moved_away 迁出, died 死亡, compulsory_isolation 强制隔离戒毒 (the last four are also set when the registry's "
        "events end a placement).",
        examples=["resigned"],
    )


class FollowUpRecord(BaseModel):
    """Record a follow-up; send the follow-up's ETag (its version) as If-Match."""

    model_config = ConfigDict(extra="forbid")

    done_on: date = Field(description="Day of the check (at most 14 days before it is due).", examples=["2027-03-02"])
    still_working: bool = Field(description="Whether the person is still working.", examples=[True])


class ContractRead(BaseModel):
    number: str = Field(examples=["PXY-2026-0012"])
    signed_on: date
    start_on: date
    end_on: date | None
    open_ended: bool
    term_months: int | None = Field(
        description="Whole months the contract runs (a month ends the day before the same day of the next month, "
        "or at a shorter month's end: 1 Jan-31 Dec is 12); null when open-ended.",
        examples=[12],
    )
    monthly_wage: WageOut = Field(examples=["2200.00"])


class FollowUpRead(BaseModel):
    months: FollowUpMonths = Field(description="3, 6 or 12 months after the start.", examples=[3])
    due_on: date = Field(description="start_on plus that many months.", examples=["2027-03-01"])
    done_on: date | None
    still_working: bool | None
    version: int = Field(description='The ETag ("<version>") If-Match wants when recording it.', examples=[1])


class EndedByRegistryEvent(BaseModel):
    """The registry feed event that ended a placement (GET /api/v1/registry-events): its id and kind only."""

    event_id: int = Field(description="The event's id in the registry's feed.", examples=[48213])
    kind: str = Field(
        description="person.archived (died, moved out of the county), measure.created / measure.ended (compulsory "
        "isolation, custody, a measure ended by death or a move), stay.recorded (criminal custody).",
        examples=["person.archived"],
    )


class PlacementRead(BaseModel):
    id: uuid.UUID
    person_id: uuid.UUID = Field(description="Registry id only: names and ID numbers stay in the registry.")
    jurisdiction_code: str = Field(description="The person's jurisdiction when placed.", examples=["dapu"])
    route: Route
    route_label_zh: str = Field(examples=["集中安置"])
    employer_id: uuid.UUID | None
    site_id: uuid.UUID | None
    post_id: uuid.UUID | None
    working_pattern: WorkingPattern
    working_pattern_label_zh: str = Field(examples=["全日制"])
    start_on: date
    contract: ContractRead | None
    status: PlacementStatus
    status_label_zh: str = Field(examples=["在岗"])
    ended_on: date | None
    end_reason: EndReason | None
    end_reason_label_zh: str | None = Field(examples=[None])
    ended_by_registry_event: EndedByRegistryEvent | None = Field(
        default=None, description="When the registry's events ended the placement: which event.", examples=[None]
    )
    eligibility_checked_on: date | None = Field(
        default=None,
        description="The day the person's placeability was checked on: the start date (today when the placement "
        "starts later). Null only for placements older than this field that were never checked.",
        examples=["2026-12-01"],
    )
    eligibility_rule: str | None = Field(
        default=None,
        description="The rule version the check followed (placeable-v2: facts on the start date; placeable-v1: "
        "facts on the day the placement was recorded).",
        examples=["placeable-v2"],
    )
    follow_ups: list[FollowUpRead] = Field(
        description="Follow-ups; one due after the placement ended is no longer due (nor listed as due)."
    )
    created_at: datetime
    updated_at: datetime
    version: int = Field(description='Changes on every update; the ETag is "<version>".', examples=[1])


class FollowUpDue(BaseModel):
    placement_id: uuid.UUID
    person_id: uuid.UUID
    jurisdiction_code: str = Field(examples=["dapu"])
    employer_id: uuid.UUID | None
    months: FollowUpMonths
    due_on: date
    version: int
