"""What a batch of an import did, and the row issues it reports: shared by the employer and placement imports."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from shared.imports import Counts, Issue
from shared.tabular import ColumnSpec


@dataclass
class Outcome:
    processed: int = 0
    created: int = 0
    issues: list[Issue] = field(default_factory=list)
    audit_entries: list[tuple[Any, Mapping[str, Any]]] = field(default_factory=list)
    """(person id, changes) of each placement created, for the audit trail."""

    def skip(self, issue: Issue) -> None:
        self.issues.append(issue)

    def fail(self, issue: Issue) -> None:
        self.issues.append(issue)

    @property
    def counts(self) -> Counts:
        skipped = sum(1 for i in self.issues if i.outcome == "skipped")
        failed = len({i.line for i in self.issues if i.outcome == "failed"})
        return Counts(processed=self.processed, created=self.created, skipped=skipped, failed=failed)


def issue_of(spec: ColumnSpec, line: int, field_name: str | None, reason: str) -> Issue:
    return Issue(line=line, column=spec.heading_of(field_name) if field_name else None, reason=reason)


def pydantic_issues(
    exc: ValidationError, spec: ColumnSpec, line: int, fields: Mapping[tuple[Any, ...], str]
) -> list[Issue]:
    """A schema's errors as row issues: each under the column its location maps to (else the whole row), with
    pydantic's message but never the input value."""
    issues = []
    for error in exc.errors(include_input=False, include_url=False):
        loc = tuple(error.get("loc") or ())
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        issues.append(issue_of(spec, line, fields.get(loc), message))
    return issues
