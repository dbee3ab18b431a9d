"""Importing employers or placements from a spreadsheet: a dry run that writes nothing, and a background job that
creates the good rows in batches (shared.imports keeps the job, its progress and its rows' outcomes).

The dry run is the import itself, run inside a savepoint that is then rolled back: its answer is what the import
would do row by row (a post's places running out halfway down the file, a person twice in it, an employer already
registered), with no second copy of the rules to drift from them. Its price: while it runs it holds the locks the
import would (a post's row, the audit chain), so a dry run of a large file briefly queues other placements on the
same posts; and its rows' savepoints are one transaction's subtransactions, more than the 64 PostgreSQL tracks
cheaply for a file of more rows, which slows snapshots a little on the whole server until the dry run answers. A
placement dry run asks the registry too (a batch at a time); if the registry is down it answers 503/504.

A job's batch runs in a transaction of its own; for placements the batch's registry lookup comes first, so when the
registry is down or too slow nothing of that batch is written: its rows are recorded failed (503/504) and the job
ends `failed`, saying to upload the same file again (what was imported is skipped).

The job acts with the principal of the request that started it, held in memory while it runs (its token is what the
registry is asked with); the job row keeps who that was, to audit and show it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from placement.audit.models import audit
from placement.auditing import SENSITIVE_FIELDS
from placement.idempotency import store as idempotency
from placement.imports import employers, placements, policy
from placement.imports.columns import EMPLOYER_COLUMNS, PLACEMENT_COLUMNS
from placement.imports.models import JOB_KIND, ImportKind, issues_table, jobs_table
from placement.imports.outcome import Outcome
from placement.imports.schemas import ImportJobRead, ImportValidation, RowIssue
from placement.registry_client import (
    RegistryBadAnswer,
    RegistryClient,
    RegistryRefused,
    RegistryTimeout,
    RegistryUnavailable,
)
from shared.auth import Principal
from shared.imports import (
    Counts,
    ImportJobNotFound,
    ImportJobs,
    Issue,
    JobFailed,
    JobImporter,
    audit_each,
    batched,
    issue_fields,
    job_fields,
)
from shared.logging import request_id_var
from shared.tabular import Sheet, read_table

logger = logging.getLogger("qihang.placement.imports")
JOB_OPERATION = "POST /api/v1/placement-imports"
KIND_OF_JOB = {v: k for k, v in JOB_KIND.items()}
SPECS = {"employers": EMPLOYER_COLUMNS, "placements": PLACEMENT_COLUMNS}
REGISTRY_ERRORS = (RegistryUnavailable, RegistryTimeout, RegistryRefused, RegistryBadAnswer)
REGISTRY_FAILED = (
    "The registry could not be asked about these people ({status}: {detail}); nothing of this batch was written."
)


@dataclass
class Checked:
    kind: ImportKind
    sheet: Sheet
    rows: list[Any] = field(default_factory=list)
    """employers.EmployerRow or placements.PlacementRow: the rows that passed every check needing no database."""
    issues: list[Issue] = field(default_factory=list)

    @property
    def failed_lines(self) -> int:
        return len({i.line for i in self.issues})

    @property
    def person_ids(self) -> list[uuid.UUID]:
        if self.kind != "placements":
            return []
        return list(dict.fromkeys(r.data.person_id for r in self.rows))


class Importer(JobImporter):
    """Placement's imports: limits, the job store and this process's runner."""

    operation = JOB_OPERATION
    job_kinds = JOB_KIND
    read_model = ImportJobRead
    issue_model = RowIssue
    not_found = ImportJobNotFound
    idempotency = idempotency

    def visible_to(self, principal: Principal) -> Any:
        return policy.visible_jobs(principal)

    def job_read(self, row: Any, failed_rows: list[Any], *, truncated: bool) -> ImportJobRead:
        return ImportJobRead(kind=KIND_OF_JOB[row.kind], **job_fields(row, failed_rows, truncated=truncated))

    def read(self, data: bytes, *, kind: ImportKind, filename: str | None, principal: Principal) -> Checked:
        """Parse and check the file (CPU work: the router runs it in a worker thread)."""
        sheet = read_table(data, spec=SPECS[kind], limits=self.limits, filename=filename)
        if kind == "employers":
            rows, issues = employers.check_sheet(sheet, principal=principal)
        else:
            rows, issues = placements.check_sheet(sheet)
        return Checked(kind=kind, sheet=sheet, rows=rows, issues=issues)

    async def _batch(
        self,
        session: AsyncSession,
        kind: ImportKind,
        principal: Principal,
        chunk: Sequence[Any],
        registry: RegistryClient | None,
    ) -> Outcome:
        if kind == "employers":
            return await employers.run_batch(session, principal, chunk)
        if registry is None:
            raise RuntimeError("a placement import needs the registry client")
        people = await placements.lookup_people(registry, principal, chunk)
        return await placements.run_batch(session, principal, chunk, people)

    async def validate(
        self,
        session: AsyncSession,
        *,
        principal: Principal,
        checked: Checked,
        file_name: str,
        registry: RegistryClient | None,
    ) -> ImportValidation:
        issues = list(checked.issues)
        created = 0
        savepoint = await session.begin_nested()
        try:
            async for chunk in batched(checked.rows, self.batch_size):
                outcome = await self._batch(session, checked.kind, principal, chunk, registry)
                created += outcome.created
                issues.extend(outcome.issues)
        finally:
            await savepoint.rollback()
        return ImportValidation(
            kind=checked.kind,
            file_name=file_name,
            format=checked.sheet.format,
            total=len(checked.sheet.rows),
            would_create=created,
            would_skip=sum(1 for i in issues if i.outcome == "skipped"),
            failed=len({i.line for i in issues if i.outcome == "failed"}),
            issues=[RowIssue(**issue_fields(i)) for i in sorted(issues, key=lambda i: i.line)],
        )

    async def launch(
        self, job_id: uuid.UUID, checked: Checked, principal: Principal, registry: RegistryClient | None
    ) -> None:
        """Run the job's good rows in the background, as `principal` (call once the job's creation has committed).
        A coroutine, so that a response's background task runs it on the event loop, not in a worker thread."""

        async def work(job: Any) -> None:
            await self._run(job, checked, principal, registry)

        self.runner.launch(job_id, work)

    async def _run(self, job: Any, checked: Checked, principal: Principal, registry: RegistryClient | None) -> None:
        request_id_var.set(job.request_id)
        async for chunk in batched(checked.rows, self.batch_size):
            async with self.runner.sessions() as session:
                try:
                    outcome = await self._batch(session, checked.kind, principal, chunk, registry)
                except REGISTRY_ERRORS as exc:
                    # The lookup comes before any write of the batch: its rows are failed, nothing is written.
                    reason = REGISTRY_FAILED.format(status=exc.status, detail=exc.detail or exc.title)
                    issues = [Issue(line=r.line, reason=reason) for r in chunk]
                    await self.jobs.record(session, job.id, Counts(processed=len(chunk), failed=len(chunk)), issues)
                    await session.commit()
                    raise JobFailed(
                        f"Stopped at row {chunk[0].line}: the registry was unavailable ({exc.status}). The rows "
                        "before it were imported; upload the same file again once the registry is back (what was "
                        "imported is skipped)."
                    ) from exc
                if outcome.audit_entries:
                    await audit_each(
                        audit,
                        session,
                        principal=principal,
                        operation=placements.CREATE_OPERATION,
                        resource_type="person",
                        entries=outcome.audit_entries,
                        sensitive=SENSITIVE_FIELDS,
                    )
                await self.jobs.record(session, job.id, outcome.counts, sorted(outcome.issues, key=lambda i: i.line))
                await session.commit()


def new_jobs(stale_seconds: int) -> ImportJobs:
    return ImportJobs(jobs_table, issues_table, stale_after=timedelta(seconds=stale_seconds))
