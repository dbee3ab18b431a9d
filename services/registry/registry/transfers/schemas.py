import uuid
from datetime import date, datetime
from typing import Annotated, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from registry.inputs import Reason, Text200
from registry.measures.rules import MeasureKind
from registry.persons.schemas import Gender

TransferStatus = Literal["proposed", "accepted", "rejected", "cancelled"]
Direction = Literal["in", "out"]

LABELS_ZH: Final[dict[str, dict[str, str]]] = {
    "status": {"proposed": "待接收", "accepted": "已接收", "rejected": "已拒收", "cancelled": "已撤回"},
    "direction": {"in": "迁入", "out": "迁出"},
}

Notes = Annotated[str, StringConstraints(min_length=1, max_length=2000, strip_whitespace=True)]
JurisdictionCode = Annotated[str, StringConstraints(min_length=1, max_length=40)]


class TransferCreate(BaseModel):
    """Propose moving a person to another jurisdiction (人员迁移); the person's current jurisdiction is the origin."""

    model_config = ConfigDict(extra="forbid")

    person_id: uuid.UUID = Field(description="The person to move.", examples=["0b9e4c8a-2f61-4d2e-9b1a-7c3d5e6f8a90"])
    to_jurisdiction_code: JurisdictionCode = Field(
        description="The receiving jurisdiction (one of the 14; not the person's current one).", examples=["dongquan"]
    )
    reason: Reason = Field(description="Why the person moves.", examples=["本人随家人迁居东泉镇"])
    new_residence_address: Text200 | None = Field(
        default=None,
        description="现居住地址 in the receiving jurisdiction; becomes the record's residence address on acceptance.",
        examples=["柳城县东泉镇…"],
    )
    notes: Notes | None = Field(
        default=None, description="What the receiving side should know (sensitive).", examples=["已告知本人按时报到"]
    )
    effective_on: date | None = Field(
        default=None,
        description="The day the person belongs to the receiving jurisdiction (back-dated for paper records; not in "
        "the future, not before registration or the person's last accepted transfer, on the register that day). "
        "Default: the day it is accepted.",
        examples=["2013-04-01"],
    )


class TransferReject(BaseModel):
    """Refuse a proposed transfer, saying why."""

    model_config = ConfigDict(extra="forbid")

    reason: Reason = Field(description="Why the receiving side refuses.", examples=["经核实本人未在本镇居住"])


class TransferCancel(BaseModel):
    """Withdraw a proposal before the receiving side decides."""

    model_config = ConfigDict(extra="forbid")

    reason: Reason | None = Field(default=None, description="Why it is withdrawn.", examples=["本人不再迁居"])


class TransferPersonSummary(BaseModel):
    """The minimum the receiving side needs to decide, shown only to callers who may see it (see the transfer)."""

    name: str = Field(examples=["韦某某"])
    gender: Gender = Field(examples=["male"])
    gender_label_zh: str = Field(examples=["男"])
    birth_year: int = Field(examples=[1990])
    current_measure: MeasureKind | None = Field(
        description="Kind of the control measure in force today (corrections applied); null: none.",
        examples=["community_detox"],
    )
    current_measure_label_zh: str | None = Field(examples=["社区戒毒"])


class TransferRead(BaseModel):
    """A transfer between jurisdictions. `person`, `new_residence_address` and `notes` are filled in only for
    callers who may see the person now (county-wide readers, the jurisdiction that holds the person) and, while the
    transfer is open, for the receiving jurisdiction, which needs them to decide; for anyone else they are null and
    `person_details_visible` is false."""

    id: uuid.UUID
    person_id: uuid.UUID
    from_jurisdiction_code: str = Field(examples=["dapu"])
    from_jurisdiction_name_zh: str = Field(examples=["大埔镇"])
    to_jurisdiction_code: str = Field(examples=["dongquan"])
    to_jurisdiction_name_zh: str = Field(examples=["东泉镇"])
    status: TransferStatus = Field(examples=["proposed"])
    status_label_zh: str = Field(examples=["待接收"])
    reason: str = Field(examples=["本人随家人迁居东泉镇"])
    person_details_visible: bool = Field(description="Whether `person` and the sensitive details below are shown.")
    person: TransferPersonSummary | None
    new_residence_address: str | None
    notes: str | None
    proposed_by: str = Field(description="Token subject of whoever proposed it.")
    proposed_at: datetime
    resolved_by: str | None = Field(description="Token subject of whoever accepted, rejected or cancelled it.")
    resolved_at: datetime | None
    resolution_reason: str | None = Field(description="Why it was rejected (always given) or cancelled (if given).")
    effective_on: date | None = Field(
        description="The day the person belongs to the receiving jurisdiction: as proposed, or (accepted without one) "
        "the day of acceptance.",
        examples=["2013-04-01"],
    )
    version: int = Field(description='Send it back as If-Match (`"<version>"`) to accept, reject or cancel.')
