import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

DecimalString = Annotated[Decimal, PlainSerializer(lambda v: f"{v:.2f}", return_type=str, when_used="json")]
Scored = Literal["placement_rate", "control_rate", "consolidation_rate", "training_coverage"]


class SchemeItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    indicator_code: Scored = Field(description="A rate of definition v1.", examples=["placement_rate"])
    weight: Decimal = Field(
        gt=0,
        le=100,
        decimal_places=2,
        description="Points for reaching the year's target; a rate below it scores in proportion (value / target).",
        examples=["40"],
    )
    veto_below: Decimal | None = Field(
        default=None,
        ge=0,
        le=100,
        decimal_places=2,
        description="One-vote veto (一票否决): a rate below this fails the jurisdiction whatever its score.",
        examples=["10"],
    )


class SchemeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=2, max_length=200, examples=["柳城县2013年度启航工程考核办法"])
    year: int = Field(ge=2012, le=2100, examples=[2013])
    items: list[SchemeItem] = Field(min_length=1, max_length=10)
    pass_mark: Decimal = Field(ge=0, le=1000, decimal_places=2, description="Points needed to pass.", examples=["60"])


class SchemeRead(BaseModel):
    id: uuid.UUID
    name: str = Field(examples=["柳城县2013年度启航工程考核办法"])
    year: int = Field(examples=[2013])
    items: list[SchemeItem]
    pass_mark: DecimalString = Field(examples=["60.00"])
    total_points: DecimalString = Field(description="The sum of the weights.", examples=["100.00"])
    created_by: str
    created_at: datetime


class AssessmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scheme_id: uuid.UUID = Field(description="The scheme to assess with; the year is the scheme's.")


class ItemScore(BaseModel):
    indicator_code: str = Field(examples=["placement_rate"])
    definition_version: int = Field(examples=[1])
    numerator: int = Field(examples=[12])
    denominator: int = Field(examples=[30])
    value: DecimalString | None = Field(examples=["40.00"])
    target: DecimalString | None = Field(examples=["50.00"])
    weight: DecimalString = Field(examples=["40.00"])
    score: DecimalString = Field(examples=["32.00"])
    veto_below: DecimalString | None = Field(examples=["10.00"])
    veto: bool = Field(description="Below the veto threshold.", examples=[False])


class VetoOverride(BaseModel):
    veto: bool = Field(description="The NCO's decision: veto imposed (true) or lifted (false).", examples=[False])
    reason: str = Field(examples=["已于12月补录安置记录并经督导核实"])
    by: str = Field(examples=["县禁毒办 韦丽"])
    at: datetime


class JurisdictionResult(BaseModel):
    jurisdiction_code: str = Field(examples=["dapu"])
    jurisdiction_name_zh: str = Field(examples=["大埔镇"])
    items: list[ItemScore]
    total: DecimalString = Field(examples=["72.50"])
    rank: int = Field(description="By total, highest first.", examples=[3])
    veto_computed: bool = Field(description="A rate below its veto threshold.", examples=[False])
    override: VetoOverride | None = Field(description="The manual decision on the veto, if any.")
    veto: bool = Field(description="The veto that applies: the override's if there is one, else the computed one.")
    passed: bool = Field(description="Total at least the pass mark and no veto.", examples=[True])


class AssessmentRead(BaseModel):
    id: uuid.UUID
    year: int = Field(examples=[2013])
    scheme: SchemeRead
    status: Literal["draft", "published"] = Field(
        description="A draft follows the data when recomputed; a published assessment is frozen for good.",
        examples=["draft"],
    )
    computed_at: datetime = Field(description="When the figures were taken from the read model.")
    published_at: datetime | None
    published_by: str | None
    results: list[JurisdictionResult]


class AssessmentSummary(BaseModel):
    id: uuid.UUID
    year: int = Field(examples=[2013])
    scheme_id: uuid.UUID
    status: Literal["draft", "published"] = Field(examples=["published"])
    published_at: datetime | None


class OverrideSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    veto: bool = Field(description="Impose (true) or lift (false) the one-vote veto.", examples=[False])
    reason: str = Field(
        min_length=4, max_length=500, description="Why (kept with the assessment).", examples=["已整改到位，复核通过"]
    )
