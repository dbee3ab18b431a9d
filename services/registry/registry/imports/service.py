"""Importing people from a spreadsheet: every row held to the rules of a single create, a dry run that writes
nothing, and a background job that registers the good rows in batches.

Each row is validated as a `PersonCreate` (the same schema as `POST /api/v1/persons`), its ID number parsed and
checked the same way, its 性别 / 出生日期 (when given) checked against the ID number, its jurisdiction held to the
caller's (township staff: their own only), and no ID number may appear twice in one file. Against the database: a
person already registered with the same ID number is skipped (that is what makes a re-run of the same file
idempotent), and a row with the same name and birth date as someone on record fails unless 确认非重复 is 是, as a single
create answers 409 possible_duplicate unless confirm_not_duplicate. (The single create's second duplicate test, a name
one character apart in the same jurisdiction, is not run per row: it cannot be done in bulk and flags mostly
false positives in a file of a township's whole caseload.)

Every person created gets what a single create gives it: the same columns, a `person.created` event in the same
transaction, and a `person.create` audit entry in the name of the job's owner.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from registry.audit.models import audit
from registry.events import BIRTH_DATE_KINDS, person_payload
from registry.idempotency import store as idempotency
from registry.imports import columns, policy
from registry.imports.columns import PERSON_COLUMNS, CellError
from registry.imports.models import KIND, issues_table, jobs_table
from registry.imports.repository import ImportRepository
from registry.imports.schemas import ImportJobRead, ImportValidation, RowIssue
from registry.persons import national_id
from registry.persons.auditing import RESOURCE_TYPE, SENSITIVE_FIELDS
from registry.persons.crypto import IdNumberCipher
from registry.persons.models import Person
from registry.persons.schemas import LABELS_ZH as PERSON_LABELS_ZH
from registry.persons.schemas import PersonCreate
from registry.persons.service import person_event_data
from shared.auth import Principal
from shared.imports import (
    Counts,
    ImportJobNotFound,
    ImportJobs,
    Issue,
    JobImporter,
    SessionFactory,
    audit_each,
    batched,
    issue_fields,
    owner_principal,
)
from shared.logging import request_id_var
from shared.tabular import Limits, Row, Sheet, read_table

logger = logging.getLogger("qihang.registry.imports")
CREATE_OPERATION = "person.create"
JOB_OPERATION = "POST /api/v1/person-imports"
ID_HEADING = PERSON_COLUMNS.heading_of("id_number")
PERSON_COLUMNS_FIELDS = frozenset(c.field for c in PERSON_COLUMNS.columns)
CHECK_CHUNK = 1000
"""Rows whose ID numbers and names a dry run looks up with one query."""

# Cells taken as they are (PersonCreate validates them) and cells converted first.
PLAIN_FIELDS = (
    "name",
    "id_number",
    "ethnicity",
    "phone",
    "household_address",
    "residence_address",
    "work_ability_reason",
    "guardian_name",
    "guardian_relation",
    "guardian_phone",
    "notes",
)
CONVERTED_FIELDS = {
    "education": columns.education,
    "work_ability": columns.work_ability,
    "skills": columns.skills,
    "confirm_not_duplicate": columns.yes_no,
    "registered_on": columns.day,
    "work_ability_since": columns.day,
}
LEFT_FIELDS = {"left_on": columns.day, "left_reason": columns.left_reason}
"""A person back-entered as already off the register: the day they left and why (both or neither)."""
FROM_ID_NUMBER = {"gender": columns.gender, "birth_date": columns.birth_date}
"""What the ID number already says: a cell given for it is only checked against the number."""
SAME_NAME_AND_BIRTH = (
    "possibly already registered: someone with the same name and birth date is on record. If this is another "
    "person, put 是 in 确认非重复 and import the row again."
)
ALREADY_REGISTERED = "already registered (same ID number)"
LEFT_LABELS = PERSON_LABELS_ZH["left_reason"]


@dataclass(frozen=True, slots=True)
class Prepared:
    """A row that passed every check that needs no database: what will be inserted, and where it came from."""

    line: int
    name: str
    birth_date: date
    id_hash: str
    confirm_not_duplicate: bool
    values: dict[str, Any]
    """The person's columns but the ID number's ciphertext and hash, added at insert time (`PersonImporter._batch`)."""
    id_number: str
    work_ability_reason: str | None = None
    left_detail: str | None = None


@dataclass
class Checked:
    sheet: Sheet
    rows: list[Prepared] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)

    @property
    def failed_lines(self) -> int:
        return len({i.line for i in self.issues})


@dataclass(frozen=True)
class Classified:
    fresh: list[Prepared]
    skipped: list[Issue]
    failed: list[Issue]


def _issue(line: int, field_name: str | None, reason: str) -> Issue:
    return Issue(line=line, column=PERSON_COLUMNS.heading_of(field_name) if field_name else None, reason=reason)


def _jurisdiction(row: Row, own: str | None) -> tuple[str | None, Issue | None]:
    text = row.values.get("jurisdiction_code")
    if text is None:
        if own is None:
            return None, _issue(row.line, "jurisdiction_code", "required: county-wide staff name the jurisdiction")
        return own, None
    try:
        code = columns.jurisdiction(text)
    except CellError as exc:
        return None, _issue(row.line, "jurisdiction_code", str(exc))
    if own is not None and code != own:
        return None, _issue(row.line, "jurisdiction_code", "you may only register people in your own jurisdiction")
    return code, None


def _dated_issues(line: int, born: date, data: dict[str, Any], left: dict[str, Any], today: date) -> list[Issue]:
    """The checks a single create (and a departure) makes of the row's days."""
    issues: list[Issue] = []
    registered_on = data.get("registered_on") or today
    for field_name, value in (("registered_on", registered_on), ("work_ability_since", data.get("work_ability_since"))):
        if value is not None and value > today:
            issues.append(_issue(line, field_name, "cannot be in the future"))
        elif value is not None and value < born:
            issues.append(_issue(line, field_name, "cannot be before the birth date"))
    if ("left_on" in left) != ("left_reason" in left):
        missing = "left_reason" if "left_on" in left else "left_on"
        issues.append(_issue(line, missing, "离册日期 and 离册原因 go together: give both or neither"))
    elif "left_on" in left and left["left_on"] > today:
        issues.append(_issue(line, "left_on", "cannot be in the future"))
    elif "left_on" in left and left["left_on"] < registered_on:
        issues.append(_issue(line, "left_on", "cannot be before the registration day"))
    return issues


def _converted(row: Row, converters: dict[str, Callable[[str], Any]], issues: list[Issue]) -> dict[str, Any]:
    """The row's cells of these fields, each converted; a cell that does not convert is added to `issues`."""
    values: dict[str, Any] = {}
    for field_name, convert in converters.items():
        if field_name in row.values:
            try:
                values[field_name] = convert(row.values[field_name])
            except CellError as exc:
                issues.append(_issue(row.line, field_name, str(exc)))
    return values


def prepare_row(row: Row, *, own: str | None, cipher: IdNumberCipher, today: date) -> Prepared | list[Issue]:
    """One row as a single create would take it, or every problem it has."""
    issues: list[Issue] = []
    data: dict[str, Any] = {f: row.values[f] for f in PLAIN_FIELDS if f in row.values}
    data |= _converted(row, CONVERTED_FIELDS, issues)
    left = _converted(row, LEFT_FIELDS, issues)
    jurisdiction_code, problem = _jurisdiction(row, own)
    if problem:
        issues.append(problem)
    model: PersonCreate | None = None
    try:
        model = PersonCreate.model_validate(data | {"jurisdiction_code": jurisdiction_code})
    except ValidationError as exc:
        for error in exc.errors():
            loc = error.get("loc") or ()
            field_name = str(loc[0]) if loc and str(loc[0]) in PERSON_COLUMNS_FIELDS else None
            message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
            issues.append(_issue(row.line, field_name, message))
    parsed: national_id.IdNumber | None = None
    if "id_number" in data:
        try:
            parsed = national_id.parse(data["id_number"])
        except national_id.InvalidIdNumber as exc:
            issues = [i for i in issues if i.column != ID_HEADING]
            issues.append(_issue(row.line, "id_number", str(exc)))
    if parsed is not None:
        for field_name, convert in FROM_ID_NUMBER.items():
            if field_name in row.values:
                try:
                    if convert(row.values[field_name]) != getattr(parsed, field_name):
                        issues.append(_issue(row.line, field_name, "does not match the ID number"))
                except CellError as exc:
                    issues.append(_issue(row.line, field_name, str(exc)))
        issues += _dated_issues(row.line, parsed.birth_date, data, left, today)
    if issues or model is None or parsed is None or jurisdiction_code is None:
        return issues or [_issue(row.line, None, "invalid row")]
    fields = model.model_dump(
        exclude={"id_number", "jurisdiction_code", "confirm_not_duplicate", "registered_on", "work_ability_since"},
        exclude_none=True,
    )
    registered_on = model.registered_on or today
    values = {
        **fields,
        "gender": parsed.gender,
        "birth_date": parsed.birth_date,
        "id_number_masked": parsed.masked,
        "jurisdiction_code": jurisdiction_code,
        "registered_on": registered_on,
        "work_ability_since": model.work_ability_since or registered_on,
        "status": "active",
    }
    if left:
        values |= {
            "status": "archived",
            "archived_on": left["left_on"],
            "archive_reason_code": left["left_reason"],
            "archived_at": datetime.now(UTC),
            "archive_reason": f"{LEFT_LABELS[left['left_reason']]}（批量导入）",
        }
    return Prepared(
        line=row.line,
        name=model.name,
        birth_date=parsed.birth_date,
        id_hash=cipher.lookup_hash(parsed.value),
        confirm_not_duplicate=model.confirm_not_duplicate,
        id_number=parsed.value,
        values=values,
        work_ability_reason=model.work_ability_reason,
    )


def check_sheet(sheet: Sheet, *, principal: Principal, cipher: IdNumberCipher, today: date) -> Checked:
    own = principal.jurisdiction
    checked = Checked(sheet=sheet)
    first_line: dict[str, int] = {}
    for row in sheet.rows:
        result = prepare_row(row, own=own, cipher=cipher, today=today)
        if isinstance(result, list):
            checked.issues.extend(result)
            continue
        earlier = first_line.setdefault(result.id_hash, row.line)
        if earlier != row.line:
            checked.issues.append(_issue(row.line, "id_number", f"the same ID number as row {earlier}"))
            continue
        checked.rows.append(result)
    return checked


async def classify(session: AsyncSession, rows: Sequence[Prepared]) -> Classified:
    """Split rows into those to create, those already registered (skipped) and possible duplicates (failed)."""
    repo = ImportRepository(session)
    taken = await repo.taken_hashes([r.id_hash for r in rows])
    skipped = [
        Issue(line=r.line, column=ID_HEADING, reason=ALREADY_REGISTERED, outcome="skipped")
        for r in rows
        if r.id_hash in taken
    ]
    candidates = [r for r in rows if r.id_hash not in taken]
    unconfirmed = [(r.name, r.birth_date) for r in candidates if not r.confirm_not_duplicate]
    pairs = await repo.active_name_birth_pairs(unconfirmed)
    failed = [
        _issue(r.line, "name", SAME_NAME_AND_BIRTH)
        for r in candidates
        if not r.confirm_not_duplicate and (r.name, r.birth_date) in pairs
    ]
    failed_lines = {i.line for i in failed}
    return Classified([r for r in candidates if r.line not in failed_lines], skipped, failed)


class PersonImporter(JobImporter):
    """The registry's person imports: limits, the job store and this process's runner."""

    operation = JOB_OPERATION
    job_kinds = {None: KIND}
    read_model = ImportJobRead
    issue_model = RowIssue
    not_found = ImportJobNotFound
    idempotency = idempotency

    def __init__(
        self, *, jobs: ImportJobs, sessions: SessionFactory, cipher: IdNumberCipher, limits: Limits, batch_size: int
    ) -> None:
        super().__init__(jobs=jobs, sessions=sessions, limits=limits, batch_size=batch_size)
        self.cipher = cipher

    def visible_to(self, principal: Principal) -> Any:
        return policy.visible_jobs(principal)

    def read(self, data: bytes, *, filename: str | None, principal: Principal) -> Checked:
        sheet = read_table(data, spec=PERSON_COLUMNS, limits=self.limits, filename=filename)
        return check_sheet(sheet, principal=principal, cipher=self.cipher, today=date.today())

    async def validate(self, session: AsyncSession, *, checked: Checked, file_name: str) -> ImportValidation:
        issues = list(checked.issues)
        would_create = 0
        would_skip = 0
        async for chunk in batched(checked.rows, CHECK_CHUNK):
            result = await classify(session, chunk)
            would_create += len(result.fresh)
            would_skip += len(result.skipped)
            issues.extend(result.skipped)
            issues.extend(result.failed)
        failed_lines = {i.line for i in issues if i.outcome == "failed"}
        return ImportValidation(
            file_name=file_name,
            format=checked.sheet.format,
            total=len(checked.sheet.rows),
            would_create=would_create,
            would_skip=would_skip,
            failed=len(failed_lines),
            issues=[RowIssue(**issue_fields(i)) for i in sorted(issues, key=lambda i: i.line)],
        )

    async def launch(self, job_id: uuid.UUID, rows: list[Prepared]) -> None:
        """Run the job's good rows in the background (call once the job's creation has committed). A coroutine, so
        that a response's background task runs it on the event loop, not in a worker thread."""

        async def work(job: Any) -> None:
            await self._run(job, rows)

        self.runner.launch(job_id, work)

    async def _run(self, job: Any, rows: list[Prepared]) -> None:
        principal = owner_principal(job)
        request_id_var.set(job.request_id)
        async for chunk in batched(rows, self.batch_size):
            async with self.runner.sessions() as session:
                counts, issues = await self._batch(session, principal, chunk)
                await self.jobs.record(session, job.id, counts, issues)
                await session.commit()

    async def _batch(
        self, session: AsyncSession, principal: Principal, chunk: Sequence[Prepared]
    ) -> tuple[Counts, list[Issue]]:
        result = await classify(session, chunk)
        values = [
            {
                **r.values,
                "id": uuid.uuid4(),
                "id_number_cipher": self.cipher.encrypt(r.id_number),
                "id_number_hash": r.id_hash,
            }
            for r in result.fresh
        ]
        inserted = await ImportRepository(session).insert_people(_uniform(values))
        # A row whose ID number was registered between the check and the insert (another request) is skipped too.
        raced = [r for r in result.fresh if r.id_hash not in inserted]
        skipped = result.skipped + [
            Issue(line=r.line, column=ID_HEADING, reason=ALREADY_REGISTERED, outcome="skipped") for r in raced
        ]
        created = [(inserted[r.id_hash], r) for r in result.fresh if r.id_hash in inserted]
        await self._history(session, principal, created)
        await audit_each(
            audit,
            session,
            principal=principal,
            operation=CREATE_OPERATION,
            resource_type=RESOURCE_TYPE,
            entries=[
                (
                    person_id,
                    {
                        "id_number": {"old": None, "new": "set"},
                        "jurisdiction_code": {"old": None, "new": r.values["jurisdiction_code"]},
                    },
                )
                for person_id, r in created
            ],
            sensitive=SENSITIVE_FIELDS,
        )
        counts = Counts(
            processed=len(chunk),
            created=len(created),
            skipped=len(skipped),
            failed=len({i.line for i in result.failed}),
        )
        return counts, sorted(skipped + result.failed, key=lambda i: i.line)

    async def _history(
        self, session: AsyncSession, principal: Principal, created: list[tuple[uuid.UUID, Prepared]]
    ) -> None:
        """What a single create (and, for a row already off the register, a departure) writes besides the person:
        the first work-ability change, the off-register change, and their events."""
        repo = ImportRepository(session)
        abilities = [
            {
                "id": uuid.uuid4(),
                "person_id": person_id,
                "effective_on": r.values["work_ability_since"],
                "work_ability": r.values["work_ability"],
                "reason": r.work_ability_reason,
                "created_by": principal.subject,
            }
            for person_id, r in created
        ]
        departures = {
            person_id: {
                "id": uuid.uuid4(),
                "person_id": person_id,
                "kind": "left",
                "effective_on": r.values["archived_on"],
                "reason_code": r.values["archive_reason_code"],
                "detail": r.values["archive_reason"],
                "created_by": principal.subject,
            }
            for person_id, r in created
            if r.values["status"] == "archived"
        }
        await repo.insert_history(abilities, list(departures.values()))
        events: list[tuple[str, uuid.UUID, dict[str, Any]]] = []
        for (person_id, r), first in zip(created, abilities, strict=True):
            person = _transient(person_id, r.values)
            events.append(("person.created", person_id, _event_data("person.created", person)))
            change = {k: first[k] for k in ("work_ability", "effective_on")}
            data = person_payload(
                "work_ability.changed",
                person_id,
                person.jurisdiction_code,
                {"work_ability_change_id": first["id"], **change},
            )
            events.append(("work_ability.changed", person_id, data))
            if person_id in departures:
                change = departures[person_id]
                extra = {"register_change_id": change["id"], "effective_on": change["effective_on"]}
                extra["reason_code"] = change["reason_code"]
                events.append(("person.archived", person_id, _event_data("person.archived", person, **extra)))
        await repo.emit(events)


def _uniform(values: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A multi-row INSERT needs the same keys in every row: absent optional columns become NULL (skills: [])."""
    keys = {k for v in values for k in v}
    defaults = {"skills": []}
    return [{k: v.get(k, defaults.get(k)) for k in keys} | {"version": 1} for v in values]


def _transient(person_id: uuid.UUID, values: dict[str, Any]) -> Person:
    """The inserted person as a transient (never added) Person, for the single create's event data."""
    columns = {c.key for c in Person.__table__.columns}
    return Person(id=person_id, version=1, **{k: v for k, v in values.items() if k in columns})


def _event_data(kind: str, person: Person, **extra: object) -> dict[str, object]:
    data = person_event_data(person, **extra)
    if kind in BIRTH_DATE_KINDS:
        data["birth_date"] = person.birth_date
    return person_payload(kind, person.id, person.jurisdiction_code, data)


def new_jobs(stale_seconds: int) -> ImportJobs:
    return ImportJobs(jobs_table, issues_table, stale_after=timedelta(seconds=stale_seconds))
