from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field, PlainSerializer

DecimalString = Annotated[Decimal, PlainSerializer(lambda v: f"{v:.2f}", return_type=str, when_used="json")]


class PeriodRead(BaseModel):
    kind: Literal["date", "month", "quarter", "year"] = Field(examples=["year"])
    label: str = Field(description="As asked: 2013-12-31, 2013-12, 2013-Q4 or 2013.", examples=["2013"])
    label_zh: str = Field(examples=["2013年"])
    start: date = Field(examples=["2013-01-01"])
    end: date = Field(description="The figures are those of this day.", examples=["2013-12-31"])


class SourceFreshness(BaseModel):
    source: str = Field(description="registry, placement or subsidy.", examples=["registry"])
    as_of: datetime | None = Field(
        description="Everything the source had recorded by this time is in the figures (the last time its feed "
        "was read to the end); null: never read yet.",
        examples=["2026-12-06T08:00:00Z"],
    )
    last_event_at: datetime | None = Field(description="When the newest event applied was recorded at the source.")
    events_applied: int = Field(examples=[10423])
    failing_since: datetime | None = Field(
        description="The source has been unreachable since (set while its feed fails): the figures answer from what "
        "was read before.",
        examples=[None],
    )
    last_error: str | None = Field(default=None, examples=[None])


class FigureRead(BaseModel):
    jurisdiction_code: str = Field(description="A jurisdiction, or `liucheng` for the county.", examples=["dapu"])
    jurisdiction_name_zh: str = Field(examples=["大埔镇"])
    numerator: int | None = Field(description="Null when withheld (suppressed).", examples=[12])
    denominator: int | None = Field(description="Null for counts, or when withheld.", examples=[30])
    numerator_display: str = Field(description="As a published table shows it: a number or '<5'.", examples=["12"])
    denominator_display: str | None = Field(examples=["30"])
    value: DecimalString | None = Field(
        description="Percent (two places) for rates, the count for counts; null when the denominator is 0 or the rate "
        "is withheld.",
        examples=["40.00"],
    )
    suppressed: bool = Field(description="Small counts withheld (numerator or denominator below the threshold).")
    target: DecimalString | None = Field(
        description="The target for the period's year, if one is set.", examples=["50.00"]
    )
    target_origin: Literal["notice", "override"] | None = Field(examples=["notice"])
    met: bool | None = Field(description="Target reached; null without a target or a value.", examples=[False])
    gap: int | None = Field(
        description="People still needed: ceil(target x denominator) - numerator, at least 0 (for a count: target - "
        "value).",
        examples=[3],
    )
    rank: int | None = Field(
        description="Rank among the jurisdictions (1 = highest); null for the county.", examples=[4]
    )


class IndicatorFigures(BaseModel):
    code: str = Field(examples=["placement_rate"])
    label_zh: str = Field(examples=["就业安置率"])
    unit: Literal["percent", "count"] = Field(examples=["percent"])
    definition_version: int = Field(description="The definition the figures were computed with.", examples=[1])
    basis: str = Field(
        description="What the denominator counted on this date (placement rate: `community_all` up to 2012, "
        "`eligible_only` from 2013); `v1` otherwise.",
        examples=["eligible_only"],
    )
    county: FigureRead
    jurisdictions: list[FigureRead] = Field(description="Every jurisdiction the caller may see, in the notice's order.")


class SubsidyRow(BaseModel):
    subsidy_type: str | None = Field(examples=["enterprise_placement"])
    tier: str | None = Field(examples=["under_50"])
    decisions: int = Field(examples=[3])
    decided: DecimalString = Field(description="CNY decided for the year.", examples=["36000.00"])
    payments: int = Field(examples=[2])
    paid: DecimalString = Field(description="CNY paid in the year.", examples=["24000.00"])


class RevisionRead(BaseModel):
    bulletin_id: str = Field(description="The published bulletin whose figure has since been revised.")
    published_at: datetime
    indicator_code: str = Field(examples=["placement_rate"])
    jurisdiction_code: str = Field(examples=["dapu"])
    published_numerator: int
    published_denominator: int | None
    published_value: DecimalString | None
    current_numerator: int
    current_denominator: int | None
    current_value: DecimalString | None
    records_changed: int | None = Field(
        description="People whose standing on the date differs between what was known at publication and now "
        "(late or corrected records); null when too many records changed since to recount online.",
        examples=[2],
    )


class ReportRead(BaseModel):
    period: PeriodRead
    as_known_at: datetime | None = Field(
        description="Computed from the facts recorded by this time (null: everything known now).", examples=[None]
    )
    definition_version: int = Field(examples=[1])
    consolidation_rule: str = Field(examples=["consolidation-v2, N=3 years"])
    suppression_threshold: int = Field(examples=[5])
    data_as_of: list[SourceFreshness]
    indicators: list[IndicatorFigures]
    subsidies: list[SubsidyRow] = Field(
        description="Amounts decided for and paid in the period's year, by type and tier."
    )
    revisions: list[RevisionRead] = Field(
        description="Published figures of this date that later data would change: the published figure stands, the "
        "current one is shown beside it."
    )


class TrendPoint(BaseModel):
    period: PeriodRead
    basis: str = Field(examples=["eligible_only"])
    county: FigureRead
    jurisdiction: FigureRead | None = Field(description="The asked jurisdiction's figure, if one was asked.")


class TrendRead(BaseModel):
    code: str = Field(examples=["placement_rate"])
    label_zh: str = Field(examples=["就业安置率"])
    unit: Literal["percent", "count"]
    definition_version: int = Field(examples=[1])
    granularity: Literal["month", "quarter", "year"]
    data_as_of: list[SourceFreshness]
    points: list[TrendPoint]


class RankingRead(BaseModel):
    code: str = Field(examples=["placement_rate"])
    label_zh: str = Field(examples=["就业安置率"])
    definition_version: int = Field(examples=[1])
    period: PeriodRead
    rows: list[FigureRead] = Field(description="Jurisdictions by rank; unranked ones (no value, withheld) last.")
