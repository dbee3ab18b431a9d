import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from placement.placements.schemas import Contract, Route

ReferralStatus = Literal["recommended", "interview", "offer", "hired", "declined"]
NextStatus = Literal["interview", "offer", "hired", "declined"]
DeclineReason = Literal[
    "candidate_withdrew", "employer_rejected", "no_show", "post_filled", "not_eligible", "terms_not_agreed", "other"
]
# Set only when the registry's events close a referral (placements.registry_events), never sent in a move.
ClosedReason = Literal["person_died", "moved_away", "compulsory_isolation", "custody"]
STATUS_LABELS_ZH: dict[str, str] = {
    "recommended": "已推荐",
    "interview": "面试",
    "offer": "拟录用",
    "hired": "已录用",
    "declined": "未成功",
}
DECLINE_REASON_LABELS_ZH: dict[str, str] = {
    "candidate_withdrew": "本人放弃",
    "employer_rejected": "用人单位未录用",
    "no_show": "未参加面试",
    "post_filled": "岗位已满",
    "not_eligible": "不符合条件",
    "terms_not_agreed": "待遇条件未谈妥",
    "other": "其他",
    "person_died": "本人死亡",
    "moved_away": "迁出",
    "compulsory_isolation": "强制隔离戒毒",
    "custody": "被羁押",
}


class ReferralCreate(BaseModel):
    """Recommend a person to an open job post. The registry is asked (with your token) that the person exists for
    you, can be placed and can do this kind of work."""

    model_config = ConfigDict(extra="forbid")

    person_id: uuid.UUID = Field(
        description="The person's registry id.", examples=["8d1f2c3b-4a5e-4f60-9a7b-1c2d3e4f5a6b"]
    )
    post_id: uuid.UUID = Field(description="An open job post.", examples=["7d5e3c1a-1b2c-4d5e-8f90-a1b2c3d4e5f6"])


class HiredPlacement(BaseModel):
    """The placement a hire starts: its route and the employment contract (the person, post and employer are the
    referral's)."""

    model_config = ConfigDict(extra="forbid")

    route: Route = Field(
        description="centralised, dispersed or public_welfare_post (a public-welfare post) as in POST /placements.",
        examples=["centralised"],
    )
    contract: Contract = Field(description="The employment contract (劳动合同).")
    site_id: uuid.UUID | None = Field(default=None, description="The placement site, if any.", examples=[None])


class ReferralMove(BaseModel):
    """Move a referral on: recommended → interview → offer → hired, or declined at any undecided step (with a
    coded reason). Send the ETag of your last read as If-Match. A hire may carry the placement (route and
    contract): the placement is then recorded in the same step, checked as POST /api/v1/placements checks it
    (placeability on the contract's start date, the post's place taken); if it is refused, the referral does not
    move either."""

    model_config = ConfigDict(extra="forbid")

    to: NextStatus = Field(description="interview, offer, hired or declined.", examples=["interview"])
    reason: DeclineReason | None = Field(
        default=None,
        description="Required with declined (only then): candidate_withdrew 本人放弃, "
        "employer_rejected 用人单位未录用, no_show 未参加面试, post_filled 岗位已满, not_eligible 不符合条件, "
        "terms_not_agreed 待遇条件未谈妥, other 其他.",
        examples=[None],
    )

    placement: HiredPlacement | None = Field(
        default=None,
        description="With hired only: the placement to record (route and contract). Without it, the hired referral "
        "offers the request that records it (create_placement).",
        examples=[None],
    )

    @model_validator(mode="after")
    def _reason_with_declined(self) -> "ReferralMove":
        if (self.to == "declined") != (self.reason is not None):
            raise ValueError("a reason is required with declined, and only then")
        if self.placement is not None and self.to != "hired":
            raise ValueError("a placement goes with hired only")
        return self


class PlacementOffer(BaseModel):
    """How to record the placement of a hired referral: POST this body, with `route` and `contract` added, to
    `href`."""

    method: Literal["POST"] = "POST"
    href: str = Field(examples=["/api/v1/placements"])
    body: dict[str, str] = Field(
        description="person_id, post_id and employer_id of the referral.",
        examples=[
            {"person_id": "8d1f2c3b-4a5e-4f60-9a7b-1c2d3e4f5a6b", "post_id": "7d5e3c1a-1b2c-4d5e-8f90-a1b2c3d4e5f6"}
        ],
    )


class ReferralStepRead(BaseModel):
    from_status: ReferralStatus | None
    to_status: ReferralStatus
    reason: DeclineReason | ClosedReason | None
    at: datetime
    by_subject: str = Field(description="Who made the move (token subject).")


class ReferralRead(BaseModel):
    id: uuid.UUID
    person_id: uuid.UUID = Field(description="Registry id only.")
    jurisdiction_code: str = Field(examples=["dapu"])
    post_id: uuid.UUID
    employer_id: uuid.UUID
    status: ReferralStatus
    status_label_zh: str = Field(examples=["已推荐"])
    decline_reason: DeclineReason | ClosedReason | None = Field(
        description="Why it was declined; person_died, moved_away, compulsory_isolation and custody when the "
        "registry's events closed it (closed_by_registry_event_id names the event).",
        examples=[None],
    )
    decline_reason_label_zh: str | None = Field(examples=[None])
    closed_by_registry_event_id: int | None = Field(
        default=None, description="The registry feed event that closed the referral, if one did.", examples=[None]
    )
    placement_id: uuid.UUID | None = Field(
        default=None, description="The placement recorded with the hire, if it carried one.", examples=[None]
    )
    create_placement: PlacementOffer | None = Field(
        default=None,
        description="Hired without a placement recorded with it: the request that records it.",
        examples=[None],
    )
    history: list[ReferralStepRead] = Field(description="Every move, oldest first.")
    created_at: datetime
    updated_at: datetime
    version: int = Field(description='Changes on every move; the ETag is "<version>".', examples=[1])
