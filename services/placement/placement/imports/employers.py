"""Importing employers: each row checked as an `EmployerCreate` (the schema of `POST /api/v1/employers`: kinds, the
credit code's check character, GB/T 4754 sections, one contact), its jurisdiction held to the caller's, and each
good row created by the single create itself (`employers.service.create_employer`), so it gets the same columns and
the same `employer.created` event. Employers are organisations: like a single create, no audit entry.

Already registered, and skipped (what makes a re-run of the same file idempotent): an employer with the same unified
social credit code; for a row without a code, an employer of the same name in the same jurisdiction (without a code
there is nothing else to tell two of them apart, and a re-run must not register it twice)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from placement.employers import service as employers_service
from placement.employers.exceptions import EmployerExists
from placement.employers.models import Employer
from placement.employers.schemas import EmployerCreate
from placement.imports import columns
from placement.imports.columns import EMPLOYER_COLUMNS, CellError
from placement.imports.outcome import Outcome, issue_of, pydantic_issues
from shared.auth import Principal
from shared.errors import AppError
from shared.imports import Issue
from shared.tabular import Row, Sheet

CODE_HEADING = EMPLOYER_COLUMNS.heading_of("unified_social_credit_code")
NAME_HEADING = EMPLOYER_COLUMNS.heading_of("name")
SAME_CODE = "already registered (an employer with the same unified social credit code)"
SAME_NAME = "already registered (an employer of the same name in this jurisdiction, and the row has no credit code)"
# Where EmployerCreate's errors point: its fields -> the import's fields (the one contact's name and phone).
ERROR_FIELDS = {
    ("name",): "name",
    ("kind",): "kind",
    ("unified_social_credit_code",): "unified_social_credit_code",
    ("jurisdiction_code",): "jurisdiction_code",
    ("address",): "address",
    ("sector_code",): "sector_code",
    ("contacts", 0, "name"): "contact_name",
    ("contacts", 0, "phone"): "contact_phone",
}


@dataclass(frozen=True, slots=True)
class EmployerRow:
    line: int
    data: EmployerCreate


def _issue(line: int, field_name: str | None, reason: str) -> Issue:
    return issue_of(EMPLOYER_COLUMNS, line, field_name, reason)


def prepare_row(row: Row, *, own: str | None) -> EmployerRow | list[Issue]:
    """One row as the single create would take it, or every problem it has."""
    values = row.values
    issues: list[Issue] = []
    data: dict[str, Any] = {f: values[f] for f in ("name", "unified_social_credit_code", "address") if f in values}
    for field_name, convert in (("kind", columns.employer_kind), ("sector_code", columns.sector)):
        if field_name in values:
            try:
                data[field_name] = convert(values[field_name])
            except CellError as exc:
                issues.append(_issue(row.line, field_name, str(exc)))
    jurisdiction = own
    if "jurisdiction_code" in values:
        try:
            jurisdiction = columns.jurisdiction(values["jurisdiction_code"])
        except CellError as exc:
            issues.append(_issue(row.line, "jurisdiction_code", str(exc)))
        else:
            if own is not None and jurisdiction != own:
                issues.append(
                    _issue(row.line, "jurisdiction_code", "you may only register employers in your own jurisdiction")
                )
    elif own is None:
        issues.append(_issue(row.line, "jurisdiction_code", "required: county-wide staff name the jurisdiction"))
    if "contact_name" in values:
        data["contacts"] = [{"name": values["contact_name"], "phone": values.get("contact_phone")}]
    elif "contact_phone" in values:
        issues.append(_issue(row.line, "contact_name", "a 联系电话 needs the 联系人 it belongs to"))
    model: EmployerCreate | None = None
    try:
        model = EmployerCreate.model_validate(data | {"jurisdiction_code": jurisdiction})
    except ValidationError as exc:
        # A cell already reported (an unknown kind, a missing jurisdiction) is not reported twice.
        reported = {i.column for i in issues}
        issues.extend(
            i for i in pydantic_issues(exc, EMPLOYER_COLUMNS, row.line, ERROR_FIELDS) if i.column not in reported
        )
    if issues or model is None:
        return issues or [_issue(row.line, None, "invalid row")]
    return EmployerRow(row.line, model)


def check_sheet(sheet: Sheet, *, principal: Principal) -> tuple[list[EmployerRow], list[Issue]]:
    """The good rows and the problems of the others; a credit code (or, without one, a name in a jurisdiction) may
    appear only once in a file."""
    rows: list[EmployerRow] = []
    issues: list[Issue] = []
    first_line: dict[tuple[str, ...], int] = {}
    for row in sheet.rows:
        result = prepare_row(row, own=principal.jurisdiction)
        if isinstance(result, list):
            issues.extend(result)
            continue
        code = result.data.unified_social_credit_code
        key = ("code", code) if code else ("name", result.data.name, result.data.jurisdiction_code)
        earlier = first_line.setdefault(key, row.line)
        if earlier != row.line:
            column, what = ("unified_social_credit_code", "credit code") if code else ("name", "name")
            issues.append(_issue(row.line, column, f"the same {what} as row {earlier}"))
            continue
        rows.append(result)
    return rows, issues


async def _registered(session: AsyncSession, rows: Sequence[EmployerRow]) -> tuple[set[str], set[tuple[str, str]]]:
    """The batch's credit codes already taken, and (name, jurisdiction) of its code-less rows already registered."""
    codes = [r.data.unified_social_credit_code for r in rows if r.data.unified_social_credit_code]
    names = [r.data.name for r in rows if not r.data.unified_social_credit_code]
    taken: set[str] = set()
    pairs: set[tuple[str, str]] = set()
    if codes:
        found = await session.scalars(
            select(Employer.unified_social_credit_code).where(Employer.unified_social_credit_code.in_(codes))
        )
        taken = {c for c in found if c is not None}
    if names:
        found_pairs = await session.execute(
            select(Employer.name, Employer.jurisdiction_code).where(Employer.name.in_(names))
        )
        pairs = {(name, jur) for name, jur in found_pairs.all()}
    return taken, pairs


async def run_batch(session: AsyncSession, principal: Principal, rows: Sequence[EmployerRow]) -> Outcome:
    """Create the batch's new employers, each by the single create in a savepoint of its own (a row that fails
    leaves nothing behind), in the caller's transaction."""
    taken, pairs = await _registered(session, rows)
    outcome = Outcome(processed=len(rows))
    for row in rows:
        code = row.data.unified_social_credit_code
        if code and code in taken:
            outcome.skip(Issue(row.line, SAME_CODE, CODE_HEADING, "skipped"))
            continue
        if not code and (row.data.name, row.data.jurisdiction_code) in pairs:
            outcome.skip(Issue(row.line, SAME_NAME, NAME_HEADING, "skipped"))
            continue
        try:
            async with session.begin_nested():
                await employers_service.create_employer(
                    session, principal=principal, data=row.data, idempotency_key=None
                )
        except EmployerExists:  # registered meanwhile by another request
            outcome.skip(Issue(row.line, SAME_CODE, CODE_HEADING, "skipped"))
        except AppError as exc:
            outcome.fail(_issue(row.line, None, exc.detail or exc.title))
        else:
            outcome.created += 1
            if not code:
                pairs.add((row.data.name, row.data.jurisdiction_code))
    return outcome
