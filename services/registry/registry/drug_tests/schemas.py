import uuid
from datetime import date, datetime
from typing import Annotated, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

TestKind = Literal["urine", "hair", "saliva", "blood", "other"]
TestResult = Literal["negative", "positive", "invalid"]

LABELS_ZH: Final[dict[str, dict[str, str]]] = {
    "kind": {"urine": "尿检", "hair": "毛发检测", "saliva": "唾液检测", "blood": "血液检测", "other": "其他"},
    "result": {"negative": "阴性", "positive": "阳性", "invalid": "无效"},
}


class DrugTestCreate(BaseModel):
    """A drug test and its result. A positive result records a relapse (复吸) on the test date."""

    model_config = ConfigDict(extra="forbid")

    tested_on: date = Field(examples=["2025-06-12"])
    kind: TestKind = Field(examples=["urine"])
    result: TestResult = Field(examples=["negative"])
    substance: Annotated[str, StringConstraints(min_length=1, max_length=50, strip_whitespace=True)] | None = Field(
        default=None, description="What was found or tested for.", examples=["methamphetamine"]
    )
    tested_by: Annotated[str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True)] = Field(
        description="Who took the test (unit or person).", examples=["大埔派出所"]
    )


class DrugTestRead(BaseModel):
    id: uuid.UUID
    person_id: uuid.UUID
    tested_on: date
    kind: TestKind
    kind_label_zh: str = Field(examples=["尿检"])
    result: TestResult
    result_label_zh: str = Field(examples=["阴性"])
    substance: str | None
    tested_by: str
    relapse_recorded: bool = Field(description="True when this (positive) result recorded a relapse.")
    created_by: str
    created_at: datetime
