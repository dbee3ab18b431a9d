import uuid
from datetime import date, datetime
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field

HandoverStatus = Literal["pending", "placed", "closed"]
HandoverSource = Literal["isolation_release", "facility_release", "community_rehabilitation_start"]
CloseReason = Literal[
    "placed",
    "self_employed",
    "flexible_employment",
    "unable_to_work",
    "declined",
    "moved_away",
    "readmitted",
    "record_archived",
    "other",
]
ManualCloseReason = Literal["self_employed", "flexible_employment", "unable_to_work", "declined", "moved_away", "other"]

LABELS_ZH: Final[dict[str, dict[str, str]]] = {
    "status": {"pending": "待安置", "placed": "已安置", "closed": "已关闭"},
    "source": {
        "isolation_release": "解除强制隔离戒毒",
        "facility_release": "场所康复期满",
        "community_rehabilitation_start": "开始社区康复",
    },
    "close_reason": {
        "placed": "已安置就业",
        "self_employed": "自主创业",
        "flexible_employment": "灵活就业",
        "unable_to_work": "丧失劳动能力",
        "declined": "本人不愿就业",
        "moved_away": "迁出本县",
        "readmitted": "再次被强制隔离或羁押",
        "record_archived": "档案已注销",
        "other": "其他",
    },
}


class HandoverClose(BaseModel):
    """Close an entry without a placement. Placement closes it by itself when the person is placed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: ManualCloseReason = Field(
        description="self_employed 自主创业, flexible_employment 灵活就业, unable_to_work 丧失劳动能力, declined "
        "本人不愿就业, moved_away 迁出本县 or other 其他 (then `note` is required).",
        examples=["flexible_employment"],
    )
    closed_on: date = Field(description="Day the entry closed: not before the release, not in the future.")
    note: str | None = Field(
        default=None, min_length=1, max_length=500, description="Why, in a few words.", examples=["在县城打零工"]
    )


class HandoverRead(BaseModel):
    id: uuid.UUID = Field(examples=["6a1d3c4e-1111-4c2b-9d7e-0a1b2c3d4e5f"])
    person_id: uuid.UUID = Field(
        description="The person's registry id.", examples=["8d1f2e3a-0b4c-4d5e-8f6a-7b8c9d0e1f2a"]
    )
    jurisdiction_code: str = Field(description="The person's jurisdiction.", examples=["dapu"])
    jurisdiction_name_zh: str = Field(examples=["大埔镇"])
    released_on: date = Field(description="Day of release (or start of community rehabilitation).")
    source: HandoverSource = Field(description="What in the registry signalled the release.")
    source_label_zh: str = Field(examples=["解除强制隔离戒毒"])
    source_measure_id: uuid.UUID = Field(description="The registry measure that signalled it.")
    status: HandoverStatus = Field(examples=["pending"])
    status_label_zh: str = Field(examples=["待安置"])
    days_waiting: int = Field(description="Days from release to closing, or to today while pending.", examples=[12])
    closed_on: date | None = Field(examples=[None])
    close_reason: CloseReason | None = Field(examples=[None])
    close_reason_label_zh: str | None = Field(examples=[None])
    placement_id: uuid.UUID | None = Field(description="The placement that closed it, if any.", examples=[None])
    note: str | None = Field(examples=[None])
    created_at: datetime
    updated_at: datetime
    version: int = Field(description='Changes on every update; the ETag is "<version>".', examples=[1])
