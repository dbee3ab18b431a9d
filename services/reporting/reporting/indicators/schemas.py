import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field, PlainSerializer

Unit = Literal["percent", "count"]
UNIT_LABELS_ZH: dict[str, str] = {"percent": "百分比", "count": "数量"}
Comparator = Literal[">=", "<="]

DecimalString = Annotated[Decimal, PlainSerializer(lambda value: f"{value:.2f}", return_type=str, when_used="json")]
"""Exact values: a decimal string with two places ("30.00") in JSON."""


class IndicatorDefinitionRead(BaseModel):
    version: int = Field(description="Definition version; every figure names the one it used.", examples=[1])
    name_zh: str = Field(examples=["就业安置率"])
    name_en: str = Field(examples=["Employment placement rate"])
    unit: Unit = Field(description="percent: numerator / denominator x 100; count: a number.", examples=["percent"])
    unit_label_zh: str = Field(examples=["百分比"])
    numerator: str = Field(description="What is counted on top (or, for a count, what is counted).")
    denominator: str | None = Field(description="What it is divided by; null for counts.")
    notes: str | None = Field(description="Where the notice says it, and why the definition reads as it does.")


class IndicatorRead(BaseModel):
    code: str = Field(description="Stable English code.", examples=["placement_rate"])
    label_zh: str = Field(description="Chinese name under the current definition.", examples=["就业安置率"])
    name_en: str = Field(examples=["Employment placement rate"])
    unit: Unit = Field(examples=["percent"])
    current_definition: IndicatorDefinitionRead = Field(description="The highest definition version.")


class IndicatorDetail(IndicatorRead):
    definitions: list[IndicatorDefinitionRead] = Field(description="Every definition version, newest first.")


class TargetRead(BaseModel):
    id: uuid.UUID
    indicator_code: str = Field(examples=["placement_rate"])
    indicator_label_zh: str = Field(examples=["就业安置率"])
    definition_version: int = Field(description="The indicator definition this target is measured with.", examples=[1])
    scope: str = Field(description="Who must reach it: the county as a whole.", examples=["county"])
    period_end: date = Field(description="The date by which it must be reached.", examples=["2012-12-31"])
    comparator: Comparator = Field(description="How the measured value must compare with `value`.", examples=[">="])
    value: DecimalString = Field(description="The target, in `unit` (30.00 percent; 3.00 points).", examples=["30.00"])
    unit: Unit = Field(examples=["percent"])
    source: str = Field(description="The document that sets it.", examples=["柳城政办〔2012〕84号"])
    source_clause: str | None = Field(description="Where in the document.", examples=["二(二)1"])
