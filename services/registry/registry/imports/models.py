"""The registry's import jobs and their rows' outcomes (shared.imports), kept in its own database."""

from registry.database import Base
from shared.imports import import_issue_table, import_job_table

jobs_table = import_job_table(Base.metadata)
issues_table = import_issue_table(Base.metadata)
KIND = "person"
