import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

Unit = Literal["percent", "count", "amount"]
UNIT_LABELS_ZH: dict[str, str] = {"percent": "百分比", "count": "数量", "amount": "金额(元)"}
Comparator = Literal[">=", "<="]

DecimalString = Annotated[Decimal, PlainSerializer(lambda value: f"{value:.2f}", return_type=str, when_used="json")]
"""Exact values: a decimal string with two places ("30.00") in JSON."""


class IndicatorDefinitionRead(BaseModel):
    version: int = Field(description="Definition version; every figure names the one it used.", examples=[1])
    name_zh: str = Field(examples=["就业安置率"])
    name_en: str = Field(examples=["Employment placement rate"])
    unit: Unit = Field(
        description="percent: numerator / denominator x 100; count: a number; amount: CNY.", examples=["percent"]
    )
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
    scope: str = Field(
        description="Who must reach it: `county` (the county, and by default every jurisdiction) or a jurisdiction "
        "code (a county override for that jurisdiction).",
        examples=["county"],
    )
    period_end: date = Field(description="The date by which it must be reached.", examples=["2012-12-31"])
    comparator: Comparator = Field(description="How the measured value must compare with `value`.", examples=[">="])
    value: DecimalString = Field(description="The target, in `unit` (30.00 percent; 3.00 points).", examples=["30.00"])
    unit: Unit = Field(examples=["percent"])
    source: str = Field(description="The document that sets it.", examples=["柳城政办〔2012〕84号"])
    source_clause: str | None = Field(description="Where in the document.", examples=["二(二)1"])
    origin: Literal["notice", "override"] = Field(
        description="notice: the notice's default; override: set by the county (wins over the default).",
        examples=["notice"],
    )
    reason: str | None = Field(description="Why the county set an override.", examples=[None])
    set_by: str | None = Field(description="Who set the override.", examples=[None])


class TargetOverride(BaseModel):
    model_config = ConfigDict(extra="forbid")

    indicator_code: str = Field(max_length=40, pattern=r"^[a-z_]+$", examples=["placement_rate"])
    year: int = Field(ge=2012, le=2100, description="The year whose end it applies to.", examples=[2014])
    jurisdiction_code: str | None = Field(
        default=None,
        max_length=40,
        description="One jurisdiction; null: the county (and every jurisdiction without its own override).",
        examples=["dapu"],
    )
    value: Decimal = Field(
        ge=0, le=100000, decimal_places=2, description="In the indicator's unit.", examples=["60.00"]
    )
    reason: str = Field(
        min_length=2, max_length=500, description="Why (kept with it).", examples=["县禁毒委2014年第1次会议决定"]
    )
