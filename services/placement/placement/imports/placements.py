"""Importing placements: each row checked as a `PlacementCreate` (the schema of `POST /api/v1/placements`), its
employer named by credit code or name, its post by id or title, and each good row created by the single create itself
(`placements.service.create_placement`): the same registry rules, one active full-time placement a person, a post's
place taken by its conditional UPDATE (a full post fails the row, never goes over its headcount), the hand-over
entry closed, the same `placement.started` (and `job_post.place_taken`) events and the same `placement.create` audit
entry in the name of whoever started the import.

People are named by their registry id (人员编号, the 记录编号 of the registry's export), not by national ID number:
placement never holds ID numbers, and resolving them would send every person's ID number through this service to a
registry search. Each row is checked on its own start date, as a single create is (placements.rules.checked_on). The
registry is asked about a batch's people with one lookup as of today (who exists for the caller, and where they are
registered now) and one lookup per distinct start date before today, for that date's people (each takes up to 200
ids), all made with the caller's token, so it applies the caller's rights and jurisdiction; someone it does not return
does not exist for the caller (the row fails, as a single create answers 404). If the registry is down or too slow,
the lookups fail before anything of the batch is written.

Already recorded, and skipped (what makes a re-run of the same file idempotent): a placement of the same person at
the same employer (or both without one) with the same contract number, or, failing that, the same start date."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import ValidationError
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from placement.employers import uscc
from placement.employers.exceptions import EmployerNotFound
from placement.employers.models import Employer
from placement.imports import columns
from placement.imports.columns import PLACEMENT_COLUMNS, CellError
from placement.imports.outcome import Outcome, issue_of, pydantic_issues
from placement.placements import rules
from placement.placements import service as placements_service
from placement.placements.exceptions import AlreadyPlacedFullTime, PersonNotFound, PersonNotPlaceable
from placement.placements.models import Placement
from placement.placements.schemas import PlacementCreate
from placement.posts.exceptions import PostFull, PostNotFound, PostNotOpen
from placement.posts.models import JobPost
from placement.registry_client import Lookup, RegistryClient
from placement.sites.exceptions import SiteNotFound
from shared.auth import Principal
from shared.errors import AppError
from shared.imports import Issue
from shared.tabular import Row, Sheet

CREATE_OPERATION = "placement.create"
ALREADY_RECORDED = "already recorded (the same person, employer and contract number or start date)"
ERROR_FIELDS = {
    ("person_id",): "person_id",
    ("route",): "route",
    ("working_pattern",): "working_pattern",
    ("start_on",): "start_on",
    ("contract", "number"): "contract_number",
    ("contract", "signed_on"): "signed_on",
    ("contract", "start_on"): "start_on",
    ("contract", "end_on"): "end_on",
    ("contract", "monthly_wage"): "monthly_wage",
}
# The column a single create's refusal is about.
REFUSAL_FIELDS: dict[type[AppError], str] = {
    PersonNotFound: "person_id",
    PersonNotPlaceable: "person_id",
    AlreadyPlacedFullTime: "person_id",
    EmployerNotFound: "employer",
    PostNotFound: "post",
    PostFull: "post",
    PostNotOpen: "post",
    SiteNotFound: "post",
}
CONTRACT_FIELDS = ("signed_on", "end_on", "monthly_wage")


@dataclass(frozen=True, slots=True)
class PlacementRow:
    line: int
    data: PlacementCreate
    """employer_id and post_id still unset: `employer` and `post` name them."""
    employer: str | None
    post: str | None


def _issue(line: int, field_name: str | None, reason: str) -> Issue:
    return issue_of(PLACEMENT_COLUMNS, line, field_name, reason)


def prepare_row(row: Row) -> PlacementRow | list[Issue]:
    values = row.values
    issues: list[Issue] = []
    converted: dict[str, Any] = {}
    converters = {
        "person_id": columns.person_id,
        "route": columns.route,
        "working_pattern": columns.working_pattern,
        "signed_on": columns.day,
        "start_on": columns.day,
        "end_on": columns.day,
        "monthly_wage": columns.money,
    }
    for field_name, convert in converters.items():
        if field_name in values:
            try:
                converted[field_name] = convert(values[field_name])
            except CellError as exc:
                issues.append(_issue(row.line, field_name, str(exc)))
    data: dict[str, Any] = {k: converted[k] for k in ("person_id", "route", "working_pattern") if k in converted}
    if "contract_number" in values:
        # A blank 合同结束日期 is an open-ended contract (无固定期限劳动合同).
        data["contract"] = {
            "number": values["contract_number"],
            "signed_on": converted.get("signed_on"),
            "start_on": converted.get("start_on"),
            "end_on": converted.get("end_on"),
            "open_ended": "end_on" not in values,
            "monthly_wage": converted.get("monthly_wage"),
        }
    else:
        data["start_on"] = converted.get("start_on")
        for field_name in CONTRACT_FIELDS:
            if field_name in values:
                issues.append(_issue(row.line, "contract_number", "contract details need the contract's number"))
                break
    model: PlacementCreate | None = None
    if not issues:
        try:
            model = PlacementCreate.model_validate(data)
        except ValidationError as exc:
            issues.extend(pydantic_issues(exc, PLACEMENT_COLUMNS, row.line, ERROR_FIELDS))
    if issues or model is None:
        return issues or [_issue(row.line, None, "invalid row")]
    return PlacementRow(row.line, model, values.get("employer"), values.get("post"))


def check_sheet(sheet: Sheet) -> tuple[list[PlacementRow], list[Issue]]:
    rows: list[PlacementRow] = []
    issues: list[Issue] = []
    for row in sheet.rows:
        result = prepare_row(row)
        if isinstance(result, list):
            issues.extend(result)
        else:
            rows.append(result)
    return rows, issues


@dataclass(frozen=True, slots=True)
class DatedLookup:
    """The batch's people as of today, and as of each start date before today (for the rows starting that day)."""

    today: date
    lookups: dict[date, Lookup]


class PrefetchedRegistry:
    """Answers the single create's registry lookups from the batch's lookups (the same facts, the same token)."""

    def __init__(self, people: DatedLookup) -> None:
        self._people = people

    async def lookup(self, principal: Principal, ids: list[uuid.UUID], as_of: date | None = None) -> Lookup:
        lookup = self._people.lookups.get(as_of or self._people.today, Lookup())
        found = {i: lookup.found[i] for i in ids if i in lookup.found}
        return Lookup(found=found, missing=[i for i in ids if i not in found])


@dataclass
class _Resolver:
    """The batch's employers (by credit code and by name) and posts (by id, and by employer and title)."""

    by_code: dict[str, uuid.UUID] = field(default_factory=dict)
    by_name: dict[str, list[uuid.UUID]] = field(default_factory=dict)
    posts: dict[uuid.UUID, JobPost] = field(default_factory=dict)
    by_title: dict[tuple[uuid.UUID, str], list[JobPost]] = field(default_factory=dict)

    def employer(self, text: str) -> uuid.UUID:
        code = text.strip().upper()
        if uscc.problem(code) is None:
            if code not in self.by_code:
                raise CellError("no employer with this unified social credit code")
            return self.by_code[code]
        found = self.by_name.get(text.strip(), [])
        if not found:
            raise CellError("no employer with this credit code or name")
        if len(found) > 1:
            raise CellError("several employers have this name: give the unified social credit code")
        return found[0]

    def post(self, text: str, employer_id: uuid.UUID | None) -> uuid.UUID:
        try:
            post_id = uuid.UUID(text.strip())
        except ValueError:
            pass
        else:
            return post_id  # the single create checks it exists for the caller
        if employer_id is None:
            raise CellError("a post named by its title needs the 用人单位 too (or give the post's id)")
        found = self.by_title.get((employer_id, text.strip()), [])
        if len(found) > 1:
            found = [p for p in found if p.status == "open"]
        if not found:
            raise CellError("no post of this title at the employer")
        if len(found) > 1:
            raise CellError("several open posts of this title at the employer: give the post's id")
        return found[0].id


async def _resolver(session: AsyncSession, principal: Principal, rows: Sequence[PlacementRow]) -> _Resolver:
    resolver = _Resolver()
    texts = {r.employer.strip() for r in rows if r.employer}
    codes = {t.upper() for t in texts if uscc.problem(t.upper()) is None}
    names = texts - {t for t in texts if t.upper() in codes}
    if texts:
        found = await session.execute(
            select(Employer.id, Employer.name, Employer.unified_social_credit_code).where(
                or_(Employer.unified_social_credit_code.in_(codes), Employer.name.in_(names))
            )
        )
        for employer_id, name, code in found.all():
            if code in codes:
                resolver.by_code[code] = employer_id
            if name in names:
                resolver.by_name.setdefault(name, []).append(employer_id)
    post_texts = {r.post.strip() for r in rows if r.post}
    post_ids: set[uuid.UUID] = set()
    titles: set[str] = set()
    for text in post_texts:
        try:
            post_ids.add(uuid.UUID(text))
        except ValueError:
            titles.add(text)
    if post_ids:
        stmt = select(JobPost).where(JobPost.id.in_(post_ids))
        if principal.jurisdiction is not None:
            stmt = stmt.where(JobPost.jurisdiction_code == principal.jurisdiction)
        resolver.posts = {post.id: post for post in (await session.scalars(stmt)).all()}
    if titles:
        # Only the posts the single create would find for this caller (township staff: their jurisdiction's).
        stmt = select(JobPost).where(JobPost.title.in_(titles))
        if principal.jurisdiction is not None:
            stmt = stmt.where(JobPost.jurisdiction_code == principal.jurisdiction)
        for post in (await session.scalars(stmt)).all():
            resolver.by_title.setdefault((post.employer_id, post.title), []).append(post)
    return resolver


async def _recorded(session: AsyncSession, person_ids: list[uuid.UUID]) -> list[tuple[Any, ...]]:
    """(person, employer, contract number, start) of every placement of these people."""
    if not person_ids:
        return []
    rows = await session.execute(
        select(Placement.person_id, Placement.employer_id, Placement.contract_number, Placement.start_on).where(
            Placement.person_id.in_(person_ids)
        )
    )
    return [tuple(r) for r in rows.all()]


def _identical(
    recorded: list[tuple[Any, ...]],
    person_id: uuid.UUID,
    employer_id: uuid.UUID | None,
    number: str | None,
    start_on: date,
) -> bool:
    return any(
        p == person_id and e == employer_id and ((number is not None and n == number) or s == start_on)
        for p, e, n, s in recorded
    )


def _start_on(data: PlacementCreate) -> date:
    start_on = data.contract.start_on if data.contract is not None else data.start_on
    assert start_on is not None  # PlacementCreate requires one or the other
    return start_on


async def lookup_people(
    registry: RegistryClient, principal: Principal, rows: Sequence[PlacementRow], today: date | None = None
) -> DatedLookup:
    """The batch's people today, and on each row's start date: one registry call for today and one per distinct
    earlier start date (raises the registry's 503/504/403 problems)."""
    today = today or date.today()
    lookups = {today: await registry.lookup(principal, [r.data.person_id for r in rows])}
    by_day: dict[date, list[uuid.UUID]] = {}
    for r in rows:
        on = rules.checked_on(_start_on(r.data), today)
        if on != today:
            by_day.setdefault(on, []).append(r.data.person_id)
    for on in sorted(by_day):
        # Only people the registry knows for the caller today; the others' rows fail as not found anyway.
        known = [pid for pid in dict.fromkeys(by_day[on]) if pid in lookups[today].found]
        lookups[on] = await registry.lookup(principal, known, as_of=on) if known else Lookup()
    return DatedLookup(today=today, lookups=lookups)


async def run_batch(
    session: AsyncSession, principal: Principal, rows: Sequence[PlacementRow], people: DatedLookup
) -> Outcome:
    """Create the batch's new placements, each by the single create in a savepoint of its own (a row that fails
    leaves nothing behind, its post's place included), in the caller's transaction. `people`: the batch's lookup."""
    resolver = await _resolver(session, principal, rows)
    recorded = await _recorded(session, list({r.data.person_id for r in rows}))
    registry = PrefetchedRegistry(people)
    outcome = Outcome(processed=len(rows))
    for row in rows:
        try:
            employer_id = resolver.employer(row.employer) if row.employer else None
        except CellError as exc:
            outcome.fail(_issue(row.line, "employer", str(exc)))
            continue
        try:
            post_id = resolver.post(row.post, employer_id) if row.post else None
        except CellError as exc:
            outcome.fail(_issue(row.line, "post", str(exc)))
            continue
        data = row.data.model_copy(update={"employer_id": employer_id, "post_id": post_id})
        if employer_id is None and post_id in resolver.posts:
            employer_id = resolver.posts[post_id].employer_id  # what the single create takes from the post
        number = data.contract.number if data.contract is not None else None
        start_on = _start_on(data)
        if _identical(recorded, data.person_id, employer_id, number, start_on):
            outcome.skip(Issue(row.line, ALREADY_RECORDED, None, "skipped"))
            continue
        try:
            async with session.begin_nested():
                created = await placements_service.create_placement(
                    session,
                    principal=principal,
                    registry=registry,
                    data=data,
                    idempotency_key=None,
                    today=people.today,
                )
        except AppError as exc:
            column = next((f for cls, f in REFUSAL_FIELDS.items() if isinstance(exc, cls)), None)
            outcome.fail(_issue(row.line, column, exc.detail or exc.title))
            continue
        placement = created.item
        outcome.created += 1
        recorded.append((data.person_id, placement.employer_id, number, start_on))
        outcome.audit_entries.append(
            (
                placement.person_id,
                {"placement_id": (None, str(placement.id)), "route": (None, placement.route)},
            )
        )
    return outcome
