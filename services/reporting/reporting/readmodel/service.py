"""Keeping the read model: one poll step of a feed, re-deriving the people whose facts changed, and a rebuild.

Exactly-once effect (as placement's follower): a step reads the feed after the stored cursor, then, in one
transaction, locks the cursor row, checks it has not moved meanwhile (another replica got there first: the batch is
dropped), stores the page's facts and the new cursor. Facts are keyed by the event that brought them, so an event
delivered twice (a replay, a rebuild racing a poll) adds nothing: at-least-once delivery is harmless.

Deriving is separate from reading: a page only marks its people dirty; `derive_dirty` re-derives them in batches
(readmodel.rules), replaces their intervals and adds the difference to the daily and monthly counts. Catching up
10 million events therefore derives each person once per batch, not once per event.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from reporting.readmodel import rules
from reporting.readmodel.events import SNAPSHOT, Facts, FeedPage, Unreadable, facts_of
from reporting.readmodel.models import COUNT_COLUMNS, PersonFact
from reporting.readmodel.repository import ReadModelRepository

logger = logging.getLogger("reporting.readmodel")

Transaction = Callable[[], AbstractAsyncContextManager[AsyncSession]]
FetchPage = Callable[[str | None, int], Awaitable[FeedPage]]

FLAG_COLUMNS: tuple[tuple[str, int], ...] = (
    ("on_record", rules.ON_RECORD),
    ("controlled", rules.CONTROLLED),
    ("consolidated", rules.CONSOLIDATED),
    ("community", rules.COMMUNITY),
    ("community_placed", rules.COMMUNITY | rules.PLACED),
    ("eligible", rules.ELIGIBLE),
    ("eligible_placed", rules.ELIGIBLE | rules.PLACED),
    ("coverage_base", rules.COVERAGE_BASE),
    ("coverage_trained", rules.COVERAGE_TRAINED),
)
assert tuple(c for c, _ in FLAG_COLUMNS) == COUNT_COLUMNS


@dataclass(frozen=True, slots=True)
class StepResult:
    applied: int
    skipped: int
    has_more: bool


def read_facts(feed: str, page: FeedPage) -> tuple[Facts, int]:
    facts, skipped = Facts(), 0
    for event in page.items:
        try:
            facts.extend(facts_of(feed, event))
        except Unreadable as exc:
            skipped += 1
            logger.warning("unreadable event skipped", extra={"feed": feed, "event_id": event.id, "field": str(exc)})
    return facts, skipped


async def step(
    transaction: Transaction, feed: str, fetch: FetchPage, *, batch_size: int, known: list[str | None] | None = None
) -> StepResult:
    """One poll of one feed: read after the stored cursor, store the facts and the cursor together. `known`: a
    one-item list holding the cursor this caller stored last (saves reading it; checked under the lock all the same,
    and updated)."""
    if known:
        after = known[0]
    else:
        async with transaction() as session:
            after = await ReadModelRepository(session).cursor(feed)
    page = await fetch(after, batch_size)
    facts, skipped = read_facts(feed, page)
    now = datetime.now(UTC)
    async with transaction() as session:
        repo = ReadModelRepository(session)
        position = await repo.lock_cursor(feed)
        if position.cursor != after:
            if known is not None:
                known[:] = [position.cursor]
            return StepResult(applied=0, skipped=0, has_more=True)
        await repo.add_person_facts(facts.person)
        await repo.add_site_facts(facts.site)
        await repo.add_subsidy_facts(facts.subsidy)
        position.cursor = page.next_cursor
        position.events_seen += len(page.items)
        if page.items:
            position.last_event_at = max([position.last_event_at, *(e.at for e in page.items)], key=_aware)
        if not page.has_more:
            position.caught_up_at = now
        position.last_error = None
        position.updated_at = now
        await session.flush()
    if known is not None:
        known[:] = [page.next_cursor]
    if page.items:
        logger.info("events applied", extra={"feed": feed, "count": len(page.items), "skipped": skipped})
    return StepResult(applied=len(page.items), skipped=skipped, has_more=page.has_more)


def _aware(value: datetime | None) -> datetime:
    return value or datetime.min.replace(tzinfo=UTC)


def _latest(rows: Sequence[PersonFact], attribute: str) -> Any:
    """The newest non-null value of an attribute over the person's versions (an event that leaves it out does not
    erase it)."""
    for row in reversed(rows):
        value = getattr(row, attribute)
        if value is not None:
            return value
    return None


def _birth_date(versions: Sequence[PersonFact]) -> date | None:
    """The birth date the registry sent; failing that (first-version events carry the year only), 1 January of the
    birth year: the person then counts as N from the start of the year they turn N, as placement's rule v1 reads it."""
    exact = _latest(versions, "birth_date")
    if exact is not None:
        return exact
    year = _latest(versions, "birth_year")
    return date(year, 1, 1) if year else None


def build_facts(
    rows: Sequence[PersonFact], first: PersonFact | None, versions: Sequence[PersonFact] = ()
) -> rules.PersonFacts:
    """One person's rules.PersonFacts from the latest versions of their facts (oldest first) and every version of
    their `person` fact."""
    snapshots = [r for r in rows if r.fact_type == SNAPSHOT]
    if snapshots:
        # A person.snapshot replaces what was known before it: keep its own rows and what came after.
        last = max(snapshots, key=lambda r: r.seq)
        rows = [r for r in rows if r.seq > last.seq or (r.event_id == last.event_id and r.feed == last.feed)]
        versions = [v for v in versions if v.seq > last.seq or v.event_id == last.event_id]
        first = versions[0] if versions else first
    # One pass over the rows, each to its list (a derivation reads every person's rows: a list comprehension per
    # kind of fact went over them a dozen times).
    person_rows, measures, transfers, abilities_on, register = [], [], [], [], []
    stays, relapses, placements, trainings = [], [], [], []
    for r in rows:
        fact_type = r.fact_type
        if fact_type == "person":
            person_rows.append(r)
            continue
        start_on = r.start_on
        if start_on is None or r.status == "withdrawn":
            continue
        if fact_type == "measure":
            measures.append(rules.Measure(r.fact_id, r.kind or "", start_on, r.end_on, r.reason, r.corrects_id))
        elif fact_type == "placement":
            placements.append(rules.Span(start_on, r.end_on))
        elif fact_type == "relapse":
            relapses.append(start_on)
        elif fact_type == "training":
            trainings.append(start_on)
        elif fact_type == "jurisdiction":
            transfers.append((start_on, r.seq, r))
        elif fact_type == "work_ability":
            abilities_on.append((start_on, r.seq, r.work_ability))
        elif fact_type == "register":
            register.append((start_on, r.seq, r.kind or "off", r.reason))
        elif fact_type == "stay":
            stays.append(rules.Stay(start_on, r.end_on, bool(r.for_drug_use)))
    person = list(versions) or person_rows
    current = person[-1] if person else None
    registered_on = _latest(person, "start_on")
    if registered_on is None and current is not None:
        # First-version events have no registration date: the fill rule (the first measure's start, else the
        # day the record was created).
        starts = [m.start_on for m in measures]
        registered_on = min(starts) if starts else (first or current).recorded_at.date()
    transfers.sort(key=_day_and_seq)
    jurisdictions: list[tuple[date | None, str]] = []
    if transfers:
        jurisdictions.append((None, transfers[0][2].reason or (first.jurisdiction_code if first else None) or ""))
        jurisdictions += [(day, r.jurisdiction_code or "") for day, _seq, r in transfers]
    elif current is not None and current.jurisdiction_code:
        jurisdictions.append((None, current.jurisdiction_code))
    abilities: list[tuple[date | None, str | None]] = [(None, (first or current).work_ability if current else None)]
    abilities_on.sort(key=_day_and_seq)
    abilities += [(day, ability) for day, _seq, ability in abilities_on]
    register.sort(key=_day_and_seq)
    return rules.PersonFacts(
        registered_on=registered_on,
        birth_date=_birth_date(person),
        jurisdictions=[j for j in jurisdictions if j[1]],
        work_ability=abilities,
        off_register=[(day, kind, reason) for day, _seq, kind, reason in register],
        measures=measures,
        stays=stays,
        relapses=relapses,
        placements=placements,
        trainings=trainings,
    )


def _day_and_seq(item: tuple) -> tuple:
    return item[0], item[1]


async def derive_people(
    repo: ReadModelRepository,
    person_ids: Sequence[uuid.UUID],
    config: rules.RuleConfig,
    *,
    known_at: datetime | None = None,
) -> dict[uuid.UUID, list[rules.Interval]]:
    """Each person's intervals from their facts (as known at `known_at`, if given)."""
    rows = await repo.person_facts(person_ids, known_at=known_at)
    by_person: dict[uuid.UUID, list[PersonFact]] = {p: [] for p in person_ids}
    versions: dict[uuid.UUID, list[PersonFact]] = {p: [] for p in person_ids}
    for row in rows:
        (versions if row.fact_type == "person" else by_person)[row.person_id].append(row)
    return {
        p: rules.derive(build_facts(facts, versions[p][0] if versions[p] else None, versions[p]), config)
        for p, facts in by_person.items()
    }


async def derive_dirty(
    transaction: Transaction, config: rules.RuleConfig, *, batch_size: int, partition: tuple[int, int] | None = None
) -> int:
    """Re-derive up to `batch_size` dirty people in one transaction (of `partition` (k, n) only, if given: see
    ReadModelRepository.take_dirty); how many."""
    async with transaction() as session:
        repo = ReadModelRepository(session)
        person_ids = await repo.take_dirty(batch_size, partition)
        if not person_ids:
            return 0
        await apply_derivation(repo, person_ids, config)
    return len(person_ids)


async def apply_derivation(
    repo: ReadModelRepository, person_ids: Sequence[uuid.UUID], config: rules.RuleConfig
) -> None:
    """Re-derive these people and replace their intervals; the counts change by the difference (in SQL)."""
    new = await derive_people(repo, person_ids, config)
    rows = [
        (person_id, i.valid_from, i.valid_to, i.jurisdiction_code, i.flags)
        for person_id, intervals in new.items()
        for i in intervals
    ]
    await repo.replace_intervals(person_ids, rows, FLAG_COLUMNS)


async def derive_all_dirty(transaction: Transaction, config: rules.RuleConfig, *, batch_size: int) -> int:
    total = 0
    while n := await derive_dirty(transaction, config, batch_size=batch_size):
        total += n
    return total


async def rebuild(session: AsyncSession) -> None:
    """Forget everything derived and every cursor: the follower reads every feed again from its start."""
    await ReadModelRepository(session).reset()
    logger.warning("read model reset for a rebuild from zero")
