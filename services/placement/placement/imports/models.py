"""Placement's import jobs and their rows' outcomes (shared.imports), kept in its own database."""

from typing import Literal

from placement.database import Base
from shared.imports import import_issue_table, import_job_table

jobs_table = import_job_table(Base.metadata)
issues_table = import_issue_table(Base.metadata)
ImportKind = Literal["employers", "placements"]
JOB_KIND: dict[str, str] = {"employers": "employer", "placements": "placement"}
"""The query parameter's value -> the job row's `kind`."""
