import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from placement.employers.schemas import DesignationState, DesignationStatus

DesignationAction = Literal["designate", "suspend", "revoke", "reinstate"]
DocumentNumber = Annotated[str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True)]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=1000, strip_whitespace=True)]


class DesignationCreate(BaseModel):
    """One step in the employer's Qihang designation: designate, suspend, revoke or reinstate."""

    model_config = ConfigDict(extra="forbid")

    action: DesignationAction = Field(
        description="designate 认定 (first time, or again after a revocation), suspend 暂停 (an active designation), "
        "reinstate 恢复 (a suspended one), revoke 撤销 (an active or suspended one).",
        examples=["designate"],
    )
    effective_on: date = Field(
        description="The day it takes effect: not in the future, and not before the employer's previous step.",
        examples=["2012-05-15"],
    )
    document_number: DocumentNumber | None = Field(
        default=None,
        description="文件号 of the decision; required to designate.",
        examples=["柳城政办〔2012〕84号"],
    )
    reason: Reason | None = Field(
        default=None,
        description="Why; required to suspend or revoke. Kept in the history, never put on the event feed.",
        examples=["停产整顿"],
    )

    @field_validator("effective_on")
    @classmethod
    def _not_in_future(cls, value: date) -> date:
        if value > date.today():
            raise ValueError("must not be in the future: record a step when it takes effect")
        return value


class DesignationRead(BaseModel):
    id: uuid.UUID
    employer_id: uuid.UUID
    seq: int = Field(description="1 for the employer's first step, then 2, 3 ...", examples=[1])
    action: DesignationAction = Field(examples=["designate"])
    action_label_zh: str = Field(examples=["认定"])
    status_after: DesignationStatus = Field(description="The status this step left.", examples=["active"])
    status_label_zh: str = Field(examples=["认定有效"])
    effective_on: date = Field(examples=["2012-05-15"])
    document_number: str | None = Field(examples=["柳城政办〔2012〕84号"])
    reason: str | None = Field(examples=[None])
    recorded_by: str = Field(description="Subject of the token that recorded it.")
    created_at: datetime


class DesignationStatusRead(DesignationState):
    employer_id: uuid.UUID
    on: date = Field(description="The day asked about.", examples=["2014-12-31"])
    is_qihang_enterprise: bool = Field(description="The designation was active on that day.", examples=[True])
    allowed_actions: list[DesignationAction] = Field(
        description="The steps that may follow the employer's latest one.", examples=[["suspend", "revoke"]]
    )
