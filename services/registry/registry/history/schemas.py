import uuid
from datetime import date, datetime
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from registry.inputs import Reason, Text100, Text200
from registry.persons.schemas import LeftReason, WorkAbility

RegisterChangeKind = Literal["left", "returned"]
StayKind = Literal["detention", "criminal_custody", "hospital", "facility"]
CUSTODY_KINDS: Final = frozenset({"detention", "criminal_custody"})

LABELS_ZH: Final[dict[str, dict[str, str]]] = {
    "register_kind": {"left": "离册", "returned": "重新在册"},
    "stay_kind": {
        "detention": "拘留",
        "criminal_custody": "刑事羁押",
        "hospital": "住院治疗",
        "facility": "其他场所/机构",
    },
}


class RegisterChangeCreate(BaseModel):
    """A dated change of the register: the person leaves it (`left`, with a reason code) or returns to it
    (`returned`). Changes follow each other in time: each is dated after the last standing one."""

    model_config = ConfigDict(extra="forbid")

    kind: RegisterChangeKind = Field(examples=["left"])
    effective_on: date = Field(
        description="left: the first day off the register (a death on D: off on D); returned: the first day back on "
        "it. Not before registration, not in the future.",
        examples=["2013-09-30"],
    )
    reason_code: LeftReason | None = Field(
        default=None,
        description="With left (required): died, moved_out_of_county, entered_in_error (the registration span it "
        "ends never counts) or other. Not with returned.",
        examples=["died"],
    )
    detail: Reason | None = Field(
        default=None, description="In words (kept on the record, never in events).", examples=["病故，有死亡证明"]
    )

    @model_validator(mode="after")
    def _reason_with_left_only(self) -> "RegisterChangeCreate":
        if (self.kind == "left") != (self.reason_code is not None):
            raise ValueError("reason_code is required with left and not allowed with returned")
        return self


class Withdrawal(BaseModel):
    """Withdraw an entry made in error; it stays in the history, marked withdrawn, and no longer counts."""

    model_config = ConfigDict(extra="forbid")

    reason: Reason = Field(description="Why the entry was wrong.", examples=["录入错误：当事人未迁出"])


class RegisterChangeRead(BaseModel):
    id: uuid.UUID
    person_id: uuid.UUID
    kind: RegisterChangeKind = Field(examples=["left"])
    kind_label_zh: str = Field(examples=["离册"])
    effective_on: date = Field(examples=["2013-09-30"])
    reason_code: LeftReason | None = Field(examples=["died"])
    reason_label_zh: str | None = Field(examples=["死亡"])
    detail: str | None = Field(examples=["病故，有死亡证明"])
    standing: bool = Field(description="False once withdrawn.", examples=[True])
    created_by: str
    created_at: datetime
    withdrawn_by: str | None
    withdrawn_at: datetime | None
    withdrawal_reason: str | None


class WorkAbilityChangeCreate(BaseModel):
    """Work ability from a day on (劳动能力认定). A back-dated entry fills in the past; a later entry for the same day
    supersedes an earlier one."""

    model_config = ConfigDict(extra="forbid")

    work_ability: WorkAbility = Field(examples=["partly"])
    effective_on: date = Field(
        description="The day it applies from: not before birth, not in the future.", examples=["2013-04-01"]
    )
    reason: Text200 | None = Field(
        default=None, description="Required unless able: why ability is partly or fully lost.", examples=["腿部残疾"]
    )

    @model_validator(mode="after")
    def _reason_when_not_able(self) -> "WorkAbilityChangeCreate":
        if self.work_ability != "able" and not self.reason:
            raise ValueError("reason is required when work ability is partly or fully lost")
        return self


class WorkAbilityChangeRead(BaseModel):
    id: uuid.UUID
    person_id: uuid.UUID
    work_ability: WorkAbility = Field(examples=["partly"])
    work_ability_label_zh: str = Field(examples=["部分丧失劳动能力"])
    effective_on: date = Field(examples=["2013-04-01"])
    reason: str | None
    superseded: bool = Field(
        description="True when a later entry for the same day replaces this one.", examples=[False]
    )
    created_by: str
    created_at: datetime


class StayCreate(BaseModel):
    """A custody or facility stay (拘留, 刑事羁押, 住院, another facility). It may overlap a community measure and
    does not end it; it must lie within the person's time on the register."""

    model_config = ConfigDict(extra="forbid")

    kind: StayKind = Field(examples=["detention"])
    start_on: date = Field(description="The first day in custody or the facility.", examples=["2013-05-02"])
    end_on: date | None = Field(
        default=None,
        description="The day of release (out that day); only a past or today's release. Null: still there.",
        examples=["2013-05-17"],
    )
    for_drug_use: bool = Field(
        default=False,
        description="Custody ordered for drug use (e.g. 行政拘留 for 吸毒): restarts the consolidation clock. Only "
        "with detention or criminal_custody.",
        examples=[True],
    )
    place: Text100 | None = Field(default=None, examples=["柳城县拘留所"])
    decision_number: Text100 | None = Field(default=None, examples=["柳公(治)拘字〔2013〕45号"])

    @model_validator(mode="after")
    def _dates_and_drug_use(self) -> "StayCreate":
        if self.end_on is not None and self.end_on < self.start_on:
            raise ValueError("end_on cannot be before start_on")
        if self.for_drug_use and self.kind not in CUSTODY_KINDS:
            raise ValueError("for_drug_use applies to detention or criminal_custody only")
        return self


class StayEnd(BaseModel):
    """End an open stay (once)."""

    model_config = ConfigDict(extra="forbid")

    end_on: date = Field(description="The day of release (out that day).", examples=["2013-05-17"])


class StayRead(BaseModel):
    id: uuid.UUID
    person_id: uuid.UUID
    kind: StayKind = Field(examples=["detention"])
    kind_label_zh: str = Field(examples=["拘留"])
    start_on: date = Field(examples=["2013-05-02"])
    end_on: date | None = Field(examples=["2013-05-17"])
    for_drug_use: bool = Field(examples=[True])
    place: str | None
    decision_number: str | None
    standing: bool = Field(description="False once withdrawn.", examples=[True])
    created_by: str
    created_at: datetime
    ended_by: str | None
    ended_at: datetime | None
    withdrawn_by: str | None
    withdrawn_at: datetime | None
    withdrawal_reason: str | None
