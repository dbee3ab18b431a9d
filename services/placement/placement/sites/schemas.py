import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from placement.employers.schemas import JurisdictionCode
from shared.inputs import not_cleared, not_in_future

SiteKind = Literal["base", "point"]
SiteMode = Literal["centralised", "dispersed"]
SiteStatus = Literal["open", "closed"]

LABELS_ZH: dict[str, dict[str, str]] = {
    "kind": {"base": "安置基地", "point": "安置点"},
    "mode": {"centralised": "集中安置", "dispersed": "分散安置"},
    "status": {"open": "运行中", "closed": "已关闭"},
}
COUNT_DEFINITION = (
    "Sites of the kind asked for (default: placement points, 安置点) with designated_on on or before the day and "
    "not closed by then (closed_on empty or after the day), whatever their mode or their employer's designation."
)

SiteName = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
Address = Annotated[str, StringConstraints(min_length=1, max_length=300, strip_whitespace=True)]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=500, strip_whitespace=True)]
Capacity = Annotated[int, Field(ge=1, le=100_000)]


class PlacementSiteCreate(BaseModel):
    """Designate a placement base or point run with an employer."""

    model_config = ConfigDict(extra="forbid")

    employer_id: uuid.UUID = Field(description="The employer that runs it.")
    kind: SiteKind = Field(description="base 安置基地 or point 安置点.", examples=["point"])
    mode: SiteMode = Field(description="centralised 集中安置 or dispersed 分散安置.", examples=["centralised"])
    jurisdiction_code: JurisdictionCode | None = Field(
        default=None,
        description="Where the site is; omitted: the employer's. Township staff may only use their own.",
        examples=["dapu"],
    )
    name: SiteName = Field(examples=["鹏鑫源茧丝绸启航工程安置点"])
    address: Address | None = Field(default=None, examples=["柳城县大埔镇龙江路88号"])
    designated_on: date = Field(
        description="The day it was designated (挂牌); not in the future.", examples=["2012-05-15"]
    )
    capacity: Capacity | None = Field(default=None, description="How many people it can place.", examples=[30])

    _past = field_validator("designated_on")(not_in_future)


class PlacementSiteUpdate(BaseModel):
    """Change what is given; send the ETag of your last read as If-Match. Employer, kind and jurisdiction stay."""

    model_config = ConfigDict(extra="forbid")

    name: SiteName | None = Field(default=None, examples=["鹏鑫源启航工程安置点"])
    address: Address | None = Field(default=None, examples=["柳城县大埔镇龙江路90号"])
    mode: SiteMode | None = Field(default=None, examples=["dispersed"])
    designated_on: date | None = Field(
        default=None, description="A correction of the day it was designated.", examples=["2012-05-16"]
    )
    capacity: Capacity | None = Field(default=None, examples=[40])

    _past = field_validator("designated_on")(not_in_future)

    _not_null = field_validator("name", "mode", "designated_on", mode="before")(not_cleared)


class PlacementSiteClose(BaseModel):
    """Close a site: it stays on record, closed from that day."""

    model_config = ConfigDict(extra="forbid")

    closed_on: date = Field(
        description="The first day it no longer runs: not in the future, not before it was designated.",
        examples=["2015-06-30"],
    )
    reason: Reason = Field(examples=["企业搬迁"])

    _past = field_validator("closed_on")(not_in_future)


class PlacementSiteRead(BaseModel):
    id: uuid.UUID
    employer_id: uuid.UUID
    kind: SiteKind = Field(examples=["point"])
    kind_label_zh: str = Field(examples=["安置点"])
    mode: SiteMode = Field(examples=["centralised"])
    mode_label_zh: str = Field(examples=["集中安置"])
    jurisdiction_code: str = Field(examples=["dapu"])
    jurisdiction_name_zh: str = Field(examples=["大埔镇"])
    name: str = Field(examples=["鹏鑫源茧丝绸启航工程安置点"])
    address: str | None = Field(examples=["柳城县大埔镇龙江路88号"])
    designated_on: date = Field(examples=["2012-05-15"])
    capacity: int | None = Field(examples=[30])
    status: SiteStatus = Field(examples=["open"])
    status_label_zh: str = Field(examples=["运行中"])
    closed_on: date | None = Field(examples=[None])
    closed_reason: str | None = Field(examples=[None])
    created_at: datetime
    updated_at: datetime
    version: int = Field(description='Changes on every update; the ETag is "<version>".', examples=[1])


class JurisdictionCount(BaseModel):
    jurisdiction_code: str = Field(examples=["dapu"])
    jurisdiction_name_zh: str = Field(examples=["大埔镇"])
    count: int = Field(examples=[2])


class PlacementSiteCount(BaseModel):
    """How many sites were open on a day: what the target "≥3 placement points within three years" reads."""

    on: date = Field(examples=["2014-12-31"])
    kind: SiteKind = Field(examples=["point"])
    jurisdiction_code: str | None = Field(description="null: the whole county (as far as you may see).")
    count: int = Field(examples=[3])
    by_jurisdiction: list[JurisdictionCount] = Field(description="The count split by jurisdiction (non-zero ones).")
    definition: str = Field(description="What was counted.", examples=[COUNT_DEFINITION])
