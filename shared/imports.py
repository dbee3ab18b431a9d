"""Bulk-import jobs that run in the background of a service's process: the job table and its rows' outcomes
(`import_job_table(metadata)`, `import_issue_table(metadata)`, like shared.outbox), the queries on them
(`ImportJobs`) and the in-process runner (`JobRunner`).

A job is created in the request's transaction (status `queued`) and started once that has committed. The work runs
as an asyncio task in batches, each in a transaction of its own that also adds the batch's counts and row outcomes
to the job, so progress is visible while it runs and a crash loses at most the batch in flight. The task ends the
job `succeeded` or `failed`; a cancelled task (shutdown) ends it `interrupted`.

A process that dies leaves its jobs `running`. Each batch refreshes the job's `heartbeat_at`; a job whose heartbeat
is older than the runner's `stale_after` is marked `interrupted` when a process starts (`JobRunner.recover`) and
whenever it is read (`ImportJobs.get`), so none stays "running" forever. Imports are written to be re-run: the same
file again skips what already exists.

The job keeps who started it (subject, name, roles, department, jurisdiction) to act and audit as them, and to let
only their department and jurisdiction see it. Row outcomes name a line, a column and a reason, never a cell's value:
the reason is shown to whoever may see the job, and the values are personal data.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import uuid
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, get_args

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
    func,
    insert,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from shared.audit import AuditLog, principal_columns
from shared.auth import Principal
from shared.errors import NotFound
from shared.idempotency import Created, IdempotencyStore
from shared.logging import request_id_var
from shared.metrics import job_progress
from shared.pagination import InvalidCursor, PageParams, decode_cursor, encode_cursor
from shared.tabular import Limits
from shared.tasks import JobTasks, SessionFactory

JobStatus = Literal["queued", "running", "succeeded", "failed", "interrupted"]
JOB_STATUSES: tuple[str, ...] = get_args(JobStatus)
UNFINISHED = ("queued", "running")
IssueOutcome = Literal["failed", "skipped"]
ISSUE_OUTCOMES: tuple[str, ...] = get_args(IssueOutcome)
STATUS_LABELS_ZH: dict[str, str] = {
    "queued": "排队中",
    "running": "导入中",
    "succeeded": "已完成",
    "failed": "失败",
    "interrupted": "已中断",
}
logger = logging.getLogger("qihang.imports")


def import_job_table(metadata: MetaData) -> Table:
    """One row per import: who started it, the file, its state and its counts."""
    return Table(
        "import_job",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("kind", String(40), nullable=False, comment="What is imported, e.g. person."),
        Column("status", String(12), nullable=False),
        Column("file_name", String(255), nullable=False),
        Column("file_sha256", String(64), nullable=False),
        *principal_columns("owner"),
        Column("request_id", String(128)),
        Column("total", Integer, nullable=False),
        Column("processed", Integer, nullable=False, server_default="0"),
        Column("created", Integer, nullable=False, server_default="0"),
        Column("skipped", Integer, nullable=False, server_default="0"),
        Column("failed", Integer, nullable=False, server_default="0"),
        Column("error", Text, comment="Why the job as a whole failed or stopped."),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("started_at", DateTime(timezone=True)),
        Column("heartbeat_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("finished_at", DateTime(timezone=True)),
        CheckConstraint(f"status IN ({_sql_list(JOB_STATUSES)})", name="status"),
        CheckConstraint("processed <= total AND created + skipped + failed <= total", name="counts"),
        Index("ix_import_job_kind_owner", "kind", "owner_department", "owner_jurisdiction", "created_at"),
        Index("ix_import_job_status", "status", postgresql_where="status IN ('queued', 'running')"),
    )


def import_issue_table(metadata: MetaData) -> Table:
    """Rows of an import that failed (with why) or were skipped (already there)."""
    return Table(
        "import_issue",
        metadata,
        Column("id", BigInteger, Identity(always=True), primary_key=True),
        Column("job_id", Uuid, ForeignKey("import_job.id", ondelete="CASCADE"), nullable=False),
        Column("line", Integer, nullable=False),
        Column("outcome", String(10), nullable=False),
        Column("column_name", String(100), comment="The heading of the offending column; NULL: the whole row."),
        Column("reason", String(500), nullable=False),
        CheckConstraint(f"outcome IN ({_sql_list(ISSUE_OUTCOMES)})", name="outcome"),
        Index("ix_import_issue_job_id", "job_id", "outcome", "line", "id"),
    )


def _sql_list(values: Sequence[str]) -> str:
    return ",".join(f"'{v}'" for v in values)


@dataclass(frozen=True, slots=True)
class Issue:
    line: int
    reason: str
    column: str | None = None
    outcome: IssueOutcome = "failed"


def issue_fields(issue: Issue | Any) -> dict[str, Any]:
    """An issue's fields for a service's RowIssue schema, from an `Issue` or a stored issue row."""
    column = issue.column if isinstance(issue, Issue) else issue.column_name
    return {"line": issue.line, "column": column, "reason": issue.reason, "outcome": issue.outcome}


def job_fields(row: Any, failed_rows: Sequence[Any], *, truncated: bool) -> dict[str, Any]:
    """A stored job's fields for a service's ImportJobRead schema (the service adds what it has besides)."""
    return {
        "id": row.id,
        "status": row.status,
        "status_label_zh": STATUS_LABELS_ZH[row.status],
        "file_name": row.file_name,
        "total": row.total,
        "processed": row.processed,
        "created": row.created,
        "skipped": row.skipped,
        "failed": row.failed,
        "error": row.error,
        "created_by": row.owner_name,
        "department": row.owner_department,
        "jurisdiction_code": row.owner_jurisdiction,
        "created_at": row.created_at,
        "started_at": row.started_at,
        "finished_at": row.finished_at,
        "failed_rows": [issue_fields(r) for r in failed_rows],
        "failed_rows_truncated": truncated,
    }


@dataclass(frozen=True, slots=True)
class Counts:
    processed: int = 0
    created: int = 0
    skipped: int = 0
    failed: int = 0


def owner_values(principal: Principal) -> dict[str, Any]:
    """A job's owner columns (and the request that started it): the principal as they are now, for
    `owner_principal` to act as later."""
    return {
        "owner_subject": principal.subject,
        "owner_kind": principal.kind,
        "owner_name": principal.name,
        "owner_roles": sorted(principal.roles),
        "owner_department": principal.department,
        "owner_jurisdiction": principal.jurisdiction,
        "request_id": request_id_var.get(),
    }


def owner_principal(job: Any) -> Principal:
    """The principal a job acts and is audited as: its owner, as they were when they started it."""
    return Principal(
        subject=job.owner_subject,
        kind=job.owner_kind,
        name=job.owner_name,
        roles=frozenset(job.owner_roles),
        department=job.owner_department,
        jurisdiction=job.owner_jurisdiction,
        scopes=frozenset(),
        token="",
        token_id=None,
    )


class ImportJobs:
    def __init__(self, jobs: Table, issues: Table, *, stale_after: timedelta = timedelta(seconds=120)) -> None:
        self.jobs = jobs
        self.issues = issues
        self.stale_after = stale_after
        self.kinds: dict[uuid.UUID, str] = {}
        """The kind of each job this process runs, for its metrics."""

    async def create(
        self,
        session: AsyncSession,
        *,
        kind: str,
        principal: Principal,
        file_name: str,
        file_sha256: str,
        total: int,
        failed_lines: int = 0,
        issues: Sequence[Issue] = (),
    ) -> uuid.UUID:
        """A queued job of `total` rows; the `failed_lines` rows that checking already refused (with their `issues`)
        are recorded as done and failed, so the job runs only the rest."""
        job_id = uuid.uuid4()
        await session.execute(
            insert(self.jobs).values(
                id=job_id,
                kind=kind,
                status="queued",
                file_name=file_name[:255],
                file_sha256=file_sha256,
                **owner_values(principal),
                total=total,
            )
        )
        if failed_lines or issues:
            await self.record(session, job_id, Counts(processed=failed_lines, failed=failed_lines), issues)
        return job_id

    def _stale(self):
        t = self.jobs
        return (t.c.status.in_(UNFINISHED)) & (t.c.heartbeat_at < func.now() - self.stale_after)

    async def interrupt_stale(self, session: AsyncSession, *, job_id: uuid.UUID | None = None) -> int:
        """Mark jobs whose process stopped beating as interrupted; how many."""
        t = self.jobs
        stmt = (
            update(t)
            .where(self._stale())
            .values(
                status="interrupted",
                finished_at=func.now(),
                error="The service stopped while this import ran; upload the same file again to finish it "
                "(what was imported is skipped).",
            )
        )
        if job_id is not None:
            stmt = stmt.where(t.c.id == job_id)
        result = await session.execute(stmt)
        return result.rowcount or 0

    async def get(
        self,
        session: AsyncSession,
        job_id: uuid.UUID,
        *,
        kind: str | None,
        visible_to: Callable[[Any], Any] | None = None,
    ) -> Any | None:
        """The job's row (None if missing, of another kind, or not visible); a stale unfinished job is marked
        interrupted first. `kind` None: any kind (a service importing several). `visible_to(table)`: an extra
        WHERE clause of who may see it."""
        await self.interrupt_stale(session, job_id=job_id)
        t = self.jobs
        stmt = select(t).where(t.c.id == job_id)
        if kind is not None:
            stmt = stmt.where(t.c.kind == kind)
        if visible_to is not None:
            stmt = stmt.where(visible_to(t))
        return (await session.execute(stmt)).first()

    async def page(
        self,
        session: AsyncSession,
        params: PageParams,
        *,
        kind: str | None,
        visible_to: Callable[[Any], Any] | None = None,
    ) -> tuple[list[Any], str | None]:
        """Newest first; `kind` None: every kind."""
        await self.interrupt_stale(session)
        t = self.jobs
        stmt = select(t)
        if kind is not None:
            stmt = stmt.where(t.c.kind == kind)
        if visible_to is not None:
            stmt = stmt.where(visible_to(t))
        if params.cursor:
            at, job_id = decode_cursor(params.cursor, 2)
            try:
                key = tuple_(datetime.fromisoformat(at), uuid.UUID(job_id))
            except (TypeError, ValueError) as exc:
                raise InvalidCursor("The cursor is not one this API issued.") from exc
            stmt = stmt.where(tuple_(t.c.created_at, t.c.id) < key)
        rows = (
            await session.execute(stmt.order_by(t.c.created_at.desc(), t.c.id.desc()).limit(params.limit + 1))
        ).all()
        cursor = None
        if len(rows) > params.limit:
            rows = rows[: params.limit]
            cursor = encode_cursor([rows[-1].created_at.isoformat(), str(rows[-1].id)])
        return list(rows), cursor

    async def issue_page(
        self, session: AsyncSession, job_id: uuid.UUID, params: PageParams, *, outcome: IssueOutcome | None = None
    ) -> tuple[list[Any], str | None]:
        """Row outcomes in line order."""
        t = self.issues
        stmt = select(t).where(t.c.job_id == job_id)
        if outcome is not None:
            stmt = stmt.where(t.c.outcome == outcome)
        if params.cursor:
            line, issue_id = decode_cursor(params.cursor, 2)
            if not all(isinstance(v, int) and not isinstance(v, bool) for v in (line, issue_id)):
                raise InvalidCursor("The cursor is not one this API issued.")
            stmt = stmt.where(tuple_(t.c.line, t.c.id) > tuple_(line, issue_id))
        rows = (await session.execute(stmt.order_by(t.c.line, t.c.id).limit(params.limit + 1))).all()
        cursor = None
        if len(rows) > params.limit:
            rows = rows[: params.limit]
            cursor = encode_cursor([rows[-1].line, rows[-1].id])
        return list(rows), cursor

    async def start(self, session: AsyncSession, job_id: uuid.UUID) -> Any | None:
        """queued -> running; the job's row, or None when it is not queued (any more)."""
        t = self.jobs
        return (
            await session.execute(
                update(t)
                .where(t.c.id == job_id, t.c.status == "queued")
                .values(status="running", started_at=func.now(), heartbeat_at=func.now())
                .returning(t)
            )
        ).first()

    async def record(
        self, session: AsyncSession, job_id: uuid.UUID, counts: Counts, issues: Sequence[Issue] = ()
    ) -> None:
        """Add a batch's counts and row outcomes to the job, in the batch's transaction; refreshes the heartbeat."""
        if issues:
            await session.execute(
                insert(self.issues),
                [
                    {
                        "job_id": job_id,
                        "line": i.line,
                        "outcome": i.outcome,
                        "column_name": i.column[:100] if i.column else None,
                        "reason": i.reason[:500],
                    }
                    for i in issues
                ],
            )
        if job_id in self.kinds:
            progress = job_progress(self.kinds[job_id])
            for outcome in ("created", "skipped", "failed"):
                progress.rows(outcome, getattr(counts, outcome))
        t = self.jobs
        await session.execute(
            update(t)
            .where(t.c.id == job_id)
            .values(
                processed=t.c.processed + counts.processed,
                created=t.c.created + counts.created,
                skipped=t.c.skipped + counts.skipped,
                failed=t.c.failed + counts.failed,
                heartbeat_at=func.now(),
            )
        )

    async def finish(
        self, session: AsyncSession, job_id: uuid.UUID, status: JobStatus, *, error: str | None = None
    ) -> None:
        t = self.jobs
        await session.execute(
            update(t)
            .where(t.c.id == job_id, or_(t.c.status == "running", t.c.status == "queued"))
            .values(status=status, error=error, finished_at=func.now(), heartbeat_at=func.now())
        )


class JobFailed(Exception):
    """Raised by a job's work to end it `failed` with this reason (shown to whoever may see the job), e.g. when a
    service it depends on is down. What earlier batches committed stays; the reason should say what to do."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


Work = Callable[[Any], Awaitable[None]]
"""The work of a job, given its row (owner, counts...); it records its batches with `ImportJobs.record`."""


class JobRunner(JobTasks):
    """Runs jobs as asyncio tasks of this process, each through `sessions` (transactions of its own)."""

    logger = logger
    interrupted_message = "import jobs interrupted by a restart"
    end_not_recorded_message = "could not record the end of an import job"

    def __init__(self, jobs: ImportJobs, sessions: SessionFactory) -> None:
        super().__init__("import", sessions)
        self.jobs = jobs

    async def interrupt_stale(self, session: AsyncSession) -> int:
        return await self.jobs.interrupt_stale(session)

    def launch(self, job_id: uuid.UUID, work: Work) -> None:
        """Start a committed, queued job (call it once the transaction that created the job has committed)."""
        self.tasks.start(job_id, self._run(job_id, work))

    async def _run(self, job_id: uuid.UUID, work: Work) -> None:
        async with self.sessions() as session:
            job = await self.jobs.start(session, job_id)
            await session.commit()
        if job is None:
            return
        self.jobs.kinds[job_id] = job.kind
        job_progress(job.kind).started()
        try:
            await work(job)
        except asyncio.CancelledError:
            await self._end(
                job_id,
                "interrupted",
                "The service shut down while this import ran; upload the same file "
                "again to finish it (what was imported is skipped).",
            )
            raise
        except JobFailed as exc:
            logger.warning("import job stopped", extra={"job_id": str(job_id)})
            await self._end(job_id, "failed", exc.reason)
        except Exception:
            logger.exception("import job failed", extra={"job_id": str(job_id)})
            await self._end(
                job_id,
                "failed",
                "An unexpected error stopped the import; what was imported so far "
                "stays. Upload the same file again to retry (what was imported is skipped).",
            )
        else:
            await self._end(job_id, "succeeded", None)

    async def _end(self, job_id: uuid.UUID, status: JobStatus, error: str | None) -> None:
        kind = self.jobs.kinds.pop(job_id, None)
        if kind is not None:
            job_progress(kind).ended(status)
        await self.record_end(job_id, lambda session: self.jobs.finish(session, job_id, status, error=error))


FAILED_ROWS_SHOWN = 100
"""The failed rows a job's read shows; the rest are paged through its issues."""


def file_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class ImportJobNotFound(NotFound):
    code = "import_job_not_found"


class JobImporter(ABC):
    """What a service's importer (the registry's people, placement's employers and placements) does with its jobs:
    create one idempotently with the rows checking refused, read one, page them, page a job's row outcomes. The
    subclass reads and checks the file, runs the batches, and sets the class attributes below."""

    operation: str
    """The Idempotency-Key operation of a job's creation (`POST /api/v1/...-imports`)."""
    job_kinds: Mapping[str | None, str]
    """The job row's kind of each kind of file (None: an importer of one kind of file, whose checks have no kind)."""
    read_model: type[Any]
    issue_model: type[Any]
    not_found: type[Exception] = ImportJobNotFound
    idempotency: IdempotencyStore

    def __init__(self, *, jobs: ImportJobs, sessions: SessionFactory, limits: Limits, batch_size: int) -> None:
        self.jobs = jobs
        self.runner = JobRunner(jobs, sessions)
        self.limits = limits
        self.batch_size = batch_size

    @abstractmethod
    def visible_to(self, principal: Principal) -> Callable[[Table], Any]:
        """A WHERE clause builder over the job table: the jobs this caller may see."""

    def job_read(self, row: Any, failed_rows: list[Any], *, truncated: bool) -> Any:
        return self.read_model(**job_fields(row, failed_rows, truncated=truncated))

    def _kind_filter(self, kind: str | None) -> str | None:
        """The job kind a read is limited to: the one kind asked for, else the importer's only one, else any."""
        if kind is not None:
            return self.job_kinds[kind]
        return self.job_kinds[None] if len(self.job_kinds) == 1 and None in self.job_kinds else None

    async def create_job(
        self,
        session: AsyncSession,
        *,
        principal: Principal,
        checked: Any,
        file_name: str,
        digest: str,
        idempotency_key: str | None,
    ) -> Created[Any]:
        """A queued job with the rows that already failed recorded (a retry: the job as it is now). `checked`: the
        subclass's checked file (its `kind` if it has one, `sheet`, `issues`, `failed_lines`)."""
        kind = getattr(checked, "kind", None)
        payload = ({"kind": kind} if kind is not None else {}) | {"file_sha256": digest, "file_name": file_name}

        async def write() -> Any:
            job_id = await self.jobs.create(
                session,
                kind=self.job_kinds[kind],
                principal=principal,
                file_name=file_name,
                file_sha256=digest,
                total=len(checked.sheet.rows),
                failed_lines=checked.failed_lines,
                issues=checked.issues,
            )
            return await self.get(session, principal=principal, job_id=job_id)

        return await self.idempotency.create(
            session,
            principal.subject,
            idempotency_key,
            self.operation,
            payload,
            self.read_model,
            write,
            status=202,
            as_now=lambda first: self.get(session, principal=principal, job_id=first.id),
        )

    async def _visible_job(self, session: AsyncSession, principal: Principal, job_id: uuid.UUID) -> Any:
        row = await self.jobs.get(session, job_id, kind=self._kind_filter(None), visible_to=self.visible_to(principal))
        if row is None or row.kind not in self.job_kinds.values():
            raise self.not_found("No such import job.")
        return row

    async def get(self, session: AsyncSession, *, principal: Principal, job_id: uuid.UUID) -> Any:
        row = await self._visible_job(session, principal, job_id)
        issues, cursor = await self.jobs.issue_page(
            session, job_id, PageParams(limit=FAILED_ROWS_SHOWN, cursor=None), outcome="failed"
        )
        return self.job_read(row, issues, truncated=cursor is not None)

    async def page(
        self, session: AsyncSession, *, principal: Principal, params: PageParams, kind: str | None = None
    ) -> tuple[list[Any], str | None]:
        rows, cursor = await self.jobs.page(
            session, params, kind=self._kind_filter(kind), visible_to=self.visible_to(principal)
        )
        return [self.job_read(r, [], truncated=r.failed > 0) for r in rows], cursor

    async def issues(
        self, session: AsyncSession, *, principal: Principal, job_id: uuid.UUID, params: PageParams, outcome: Any
    ) -> tuple[list[Any], str | None]:
        await self._visible_job(session, principal, job_id)
        rows, cursor = await self.jobs.issue_page(session, job_id, params, outcome=outcome)
        return [self.issue_model(**issue_fields(r)) for r in rows], cursor


async def batched(items: Sequence[Any], size: int) -> AsyncIterator[Sequence[Any]]:
    """`items` in slices of `size`, yielding to the event loop between them."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
        await asyncio.sleep(0)


async def audit_each(
    audit_log: AuditLog,
    session: AsyncSession,
    *,
    principal: Principal,
    operation: str,
    resource_type: str,
    entries: Sequence[tuple[uuid.UUID, Mapping[str, Any] | None]],
    sensitive: frozenset[str] = frozenset(),
) -> None:
    """One audit row per (resource id, changes), as `AuditLog.record` writes each (same actor, operation, redaction
    and jurisdictions), in one COPY: a batch of an import costs two statements, not one per row. The sealer chains
    them in the order of `entries`."""
    if not entries:
        return
    rows = await audit_log.rows_for_each(
        session,
        principal=principal,
        operation=operation,
        resource_type=resource_type,
        entries=entries,
        sensitive=sensitive,
    )
    await copy_rows(session, audit_log.table, rows)


async def copy_rows(session: AsyncSession, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Append `rows` (dicts with the same keys) to `table` with COPY, in the session's transaction: several times
    faster than an INSERT of many rows, whose parameters SQLAlchemy processes one by one. Columns left out get their
    defaults; JSON(B) values are sent as their JSON text (None stays NULL)."""
    if not rows:
        return
    columns = list(rows[0])
    as_json = {name for name in columns if isinstance(table.c[name].type, JSON)}
    records = [
        tuple(
            (None if row[name] is None else json.dumps(row[name], ensure_ascii=False)) if name in as_json else row[name]
            for name in columns
        )
        for row in rows
    ]
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    await raw.driver_connection.copy_records_to_table(table.name, records=records, columns=columns)
