import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from reporting.reports.schemas import ReportRead


class BulletinCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period: str = Field(
        max_length=10,
        description="The period reported on: a date (2013-12-31), month (2013-12), quarter (2013-Q4) or year (2013).",
        examples=["2013"],
    )
    title_zh: str | None = Field(
        default=None,
        min_length=2,
        max_length=200,
        description="Title; by default 柳城县“启航工程”<period>工作进展情况通报.",
        examples=["柳城县“启航工程”2013年工作进展情况通报"],
    )


class BulletinSummary(BaseModel):
    id: uuid.UUID
    number: str = Field(description="As printed on it.", examples=["柳禁毒通〔2013〕1号"])
    title_zh: str = Field(examples=["柳城县“启航工程”2013年工作进展情况通报"])
    period_label: str = Field(examples=["2013"])
    period_end: date = Field(examples=["2013-12-31"])
    published_at: datetime


class BulletinRead(BulletinSummary):
    published_by: str = Field(description="Who published it.", examples=["县禁毒办 韦丽"])
    report: ReportRead = Field(
        description="The figures as published: frozen, small counts suppressed (safe to share). Its `revisions` are "
        "empty: read the period's report for what later data changed."
    )
    trend: list[dict[str, Any]] = Field(
        description="The county's rates at the end of each of the 12 months up to the period's end.",
        examples=[
            [{"period": "2013-12", "placement_rate": {"value": "52.00", "target": "50.00", "suppressed": False}}]
        ],
    )
    files: dict[str, str] = Field(
        description="Where to download it: the XLSX and the PDF, and each chart as PNG and SVG.",
        examples=[{"pdf": "/api/v1/bulletins/3f0e8a52-7c1d-4f7e-9d7b-2a4c5e6f7a8b/file?format=pdf"}],
    )
