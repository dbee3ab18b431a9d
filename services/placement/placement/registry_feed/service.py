"""Applying the registry's events to the local projection, and one poll step of the follower.

Exactly-once effect: a step reads the feed after the stored cursor, then, in one transaction, locks the cursor row,
checks it has not moved meanwhile (another replica got there first: the batch is dropped and read again), applies
every event and stores the new cursor. The effects and the cursor commit or roll back together, so an event is
applied once whatever fails when. Applying is idempotent anyway (upserts, versions, unique sources), so even a
replay would change nothing.

Events whose data this follower cannot read are skipped and logged (their ids, never their data): one malformed
event must not stop the county's hand-over list. Kinds it does not use (relapse.recorded, ...) are passed over.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import date

from pydantic import ValidationError
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession

from placement.handover import service as handover
from placement.placements import registry_events
from placement.registry_feed import rules
from placement.registry_feed.models import ProjectedPerson
from placement.registry_feed.repository import FeedRepository
from placement.registry_feed.schemas import FeedEvent, FeedPage, MeasureData, PersonData

logger = logging.getLogger("placement.registry_feed")

Transaction = Callable[[], AbstractAsyncContextManager[AsyncSession]]
"""Opens a session in a transaction that commits when the block ends without error, else rolls back."""
FetchPage = Callable[[str | None, int], Awaitable[FeedPage]]
"""Reads the feed after a cursor (None: from the start), at most that many events."""

REFRESH_BATCH = 500


@dataclass(frozen=True, slots=True)
class StepResult:
    applied: int
    """Events read and handled (skipped ones included) in this step."""
    skipped: int
    has_more: bool
    """Read again at once: more events are ready, or another replica moved the cursor."""


async def _derive(repo: FeedRepository, person: ProjectedPerson, today: date) -> None:
    kind = rules.measure_in_force(await repo.episodes(person.person_id), today)
    person.current_measure_kind = kind
    person.eligible_for_placement = rules.eligible(person.status, person.work_ability, person.birth_year, kind, today)
    person.derived_on = today


async def apply_person(session: AsyncSession, event: FeedEvent, data: PersonData, today: date) -> None:
    repo = FeedRepository(session)
    person_id = event.aggregate_id
    version = data.version or (1 if event.kind == "person.created" else None)
    person = await repo.person(person_id, for_update=True)
    if person is None:
        person = ProjectedPerson(
            person_id=person_id,
            jurisdiction_code=data.jurisdiction_code,
            status=data.status,
            work_ability=data.work_ability,
            birth_year=data.birth_year,
            version=version or 1,
            eligible_for_placement=False,
            derived_on=today,
        )
        await _derive(repo, person, today)
        await repo.add_person(person)
        return
    if version is not None and version < person.version:
        logger.info("stale person event dropped", extra={"event_id": event.id})
        return
    moved = person.jurisdiction_code != data.jurisdiction_code
    archived = person.status != "archived" and data.status == "archived"
    person.jurisdiction_code = data.jurisdiction_code
    person.status = data.status
    person.work_ability = data.work_ability
    person.birth_year = data.birth_year
    if version is not None:
        person.version = version
    await _derive(repo, person, today)
    await session.flush()
    if moved:
        await repo.relocate(person_id, data.jurisdiction_code)
    if archived:
        await handover.close_on_archive(session, person_id=person_id, today=today)


async def apply_measure(session: AsyncSession, event: FeedEvent, data: MeasureData, today: date) -> None:
    repo = FeedRepository(session)
    person_id = event.aggregate_id
    await repo.upsert_measure({"person_id": person_id, **data.model_dump()})
    person = await repo.person(person_id, for_update=True)
    if person is not None:
        await _derive(repo, person, today)
        await session.flush()
    await handover.on_measure(
        session,
        person_id=person_id,
        jurisdiction_code=person.jurisdiction_code if person is not None and person.status == "active" else None,
        measure_id=data.measure_id,
        kind=data.kind,
        start_on=data.start_on,
        actual_end_on=data.actual_end_on,
        end_reason=data.end_reason,
        today=today,
    )


async def apply_event(session: AsyncSession, event: FeedEvent, today: date) -> bool:
    """Apply one event; False when its data could not be read (skipped)."""
    try:
        if event.aggregate_type == "person" and event.kind.startswith("person."):
            await apply_person(session, event, PersonData.model_validate(event.data), today)
        elif event.aggregate_type == "person" and event.kind.startswith("measure."):
            await apply_measure(session, event, MeasureData.model_validate(event.data), today)
        readable = True
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in err["loc"]) for err in exc.errors()})
        logger.warning("unreadable registry event skipped", extra={"event_id": event.id, "fields": fields})
        readable = False
    if event.aggregate_type == "person":
        # Deaths, moves out, isolation and custody end the person's placements and close their referrals (reading
        # only the keys that says, so a projection's problem with the rest of the event does not stop it).
        await registry_events.apply(
            session, event_id=event.id, kind=event.kind, person_id=event.aggregate_id, data=event.data, today=today
        )
    return readable


async def step(transaction: Transaction, fetch: FetchPage, *, batch_size: int, today: date) -> StepResult:
    """One poll: read the events after the stored cursor and apply them with the cursor advance, exactly once."""
    async with transaction() as session:
        after = await FeedRepository(session).cursor()
    page = await fetch(after, batch_size)
    async with transaction() as session:
        repo = FeedRepository(session)
        position = await repo.lock_cursor()
        if position.cursor != after:
            return StepResult(applied=0, skipped=0, has_more=True)
        skipped = 0
        for event in page.items:
            if not await apply_event(session, event, today):
                skipped += 1
        position.cursor = page.next_cursor
        position.events_seen += len(page.items)
        if not page.has_more:
            # "Registry facts as of" (programme.facts_as_of): the last read that reached the feed's end.
            position.updated_at = func.now()
        await session.flush()
    if page.items:
        logger.info("registry events applied", extra={"count": len(page.items), "skipped": skipped})
    return StepResult(applied=len(page.items), skipped=skipped, has_more=page.has_more)


async def refresh(transaction: Transaction, *, today: date, limit: int = REFRESH_BATCH) -> int:
    """Re-derive the measure in force and eligibility of people last derived before `today` (dates move on without
    any event: an age boundary, a measure starting later than it was recorded); how many were refreshed."""
    async with transaction() as session:
        repo = FeedRepository(session)
        people = await repo.stale(today, limit)
        for person in people:
            await _derive(repo, person, today)
        await session.flush()
    return len(people)
