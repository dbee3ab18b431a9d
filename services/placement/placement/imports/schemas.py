import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from placement.imports.models import ImportKind
from shared.imports import IssueOutcome, JobStatus

Format = Literal["csv", "xlsx"]


class RowIssue(BaseModel):
    line: int = Field(description="The row number as Excel shows it (the header row is 1).", examples=[7])
    column: str | None = Field(
        description="The heading of the offending column; null when the row as a whole is concerned.",
        examples=["统一社会信用代码"],
    )
    reason: str = Field(
        description="What is wrong (the cell's value is never repeated).",
        examples=["the check character (the 18th) does not match the first 17: mistyped?"],
    )
    outcome: IssueOutcome = Field(
        description="failed: not imported, fix and upload again; skipped: already recorded (an employer with the "
        "same credit code, an identical placement).",
        examples=["failed"],
    )


class ImportValidation(BaseModel):
    """What an import of this file would do; nothing was written."""

    kind: ImportKind = Field(examples=["employers"])
    file_name: str = Field(examples=["大埔镇用人单位.xlsx"])
    format: Format = Field(examples=["xlsx"])
    total: int = Field(description="Data rows in the file (blank rows are not counted).", examples=[120])
    would_create: int = Field(description="Rows that would create an employer or a placement.", examples=[112])
    would_skip: int = Field(description="Rows already recorded: an import skips them.", examples=[5])
    failed: int = Field(description="Rows with at least one problem; they would not be imported.", examples=[3])
    issues: list[RowIssue] = Field(description="Every problem of every bad row, and every row that would be skipped.")


class ImportJobRead(BaseModel):
    id: uuid.UUID
    kind: ImportKind = Field(description="What the file holds.", examples=["placements"])
    status: JobStatus = Field(examples=["running"])
    status_label_zh: str = Field(examples=["导入中"])
    file_name: str = Field(examples=["大埔镇安置记录.xlsx"])
    total: int = Field(description="Data rows in the file.", examples=[5000])
    processed: int = Field(description="Rows done so far (created, skipped or failed).", examples=[2400])
    created: int = Field(description="Employers or placements created by this import.", examples=[2390])
    skipped: int = Field(description="Rows already recorded (a re-run skips what an earlier run imported).")
    failed: int = Field(description="Rows not imported; see failed_rows.", examples=[2])
    error: str | None = Field(
        description="Why the job as a whole failed (e.g. the registry was unavailable) or was interrupted; null "
        "otherwise.",
        examples=[None],
    )
    created_by: str = Field(description="Name of who started it.", examples=["韦丽"])
    department: str | None = Field(description="Their department.", examples=["township"])
    jurisdiction_code: str | None = Field(description="Their jurisdiction; null: county-wide.", examples=["dapu"])
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    failed_rows: list[RowIssue] = Field(
        description="The first failed rows in line order (all of them: GET .../issues?outcome=failed)."
    )
    failed_rows_truncated: bool = Field(description="More failed rows than failed_rows shows.", examples=[False])
