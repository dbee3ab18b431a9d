import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

JurisdictionKind = Literal["county", "town", "township", "ethnic_township", "management_zone"]

KIND_LABELS_ZH: dict[str, str] = {
    "county": "县",
    "town": "镇",
    "township": "乡",
    "ethnic_township": "民族乡",
    "management_zone": "华侨经济管理区",
}


class JurisdictionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str = Field(description="Stable English code used in tokens and filters.", examples=["dapu"])
    name_zh: str = Field(examples=["大埔镇"])
    name_en: str = Field(examples=["Dapu"])
    kind: JurisdictionKind = Field(examples=["town"])
    kind_label_zh: str = Field(examples=["镇"])
    division_code: str | None = Field(default=None, description="Official division code, where known.")
    parent_code: str | None = Field(default=None, examples=["liucheng"])
