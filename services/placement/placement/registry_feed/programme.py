"""A person's time in the programme (community detox 社区戒毒 or community rehabilitation 社区康复) as placement's
projection of the registry's feed holds it (registry_measure, corrections applied). The subsidy evidence asks this
for every contract of an employer, thousands at once: two queries on the local projection, never a registry call
per contract. How fresh it is: `facts_as_of`, the last time the follower read the feed up to where it was."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from placement.registry_feed import rules
from placement.registry_feed.repository import FeedRepository


@dataclass(frozen=True, slots=True)
class Episode:
    measure_id: uuid.UUID
    kind: str
    start_on: date
    actual_end_on: date | None
    corrects_id: uuid.UUID | None


@dataclass(frozen=True, slots=True)
class ProgrammeHistory:
    """One person's community-measure episodes (effective ones only), and whether the feed has reported the person
    at all (`known`: an unknown person is missing facts, not out of the programme)."""

    known: bool
    episodes: tuple[Episode, ...] = ()

    def kind_on(self, day: date) -> str | None:
        """community_detox or community_rehabilitation in force on `day` (started by it and not yet ended: an end
        date belongs to what follows, as in the registry), else None."""
        for e in self.episodes:
            if e.start_on <= day and (e.actual_end_on is None or day < e.actual_end_on):
                return e.kind
        return None


UNKNOWN = ProgrammeHistory(known=False)


def history_of(known: bool, rows: Iterable[Episode]) -> ProgrammeHistory:
    """The person's history from all their projected rows: corrections applied, community measures kept."""
    kept = [e for e in rules.effective(rows) if e.kind in rules.COMMUNITY_KINDS]
    return ProgrammeHistory(known=known, episodes=tuple(sorted(kept, key=lambda e: e.start_on)))


async def histories(session: AsyncSession, person_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, ProgrammeHistory]:
    """The programme history of each of these people (UNKNOWN for someone the feed never reported)."""
    wanted = list(dict.fromkeys(person_ids))
    repo = FeedRepository(session)
    known = await repo.known_people(wanted)
    rows: dict[uuid.UUID, list[Episode]] = {}
    for measure_id, person_id, kind, start_on, actual_end_on, corrects_id in await repo.measure_rows(wanted):
        rows.setdefault(person_id, []).append(Episode(measure_id, kind, start_on, actual_end_on, corrects_id))
    return {pid: history_of(True, rows.get(pid, ())) if pid in known or pid in rows else UNKNOWN for pid in wanted}


async def facts_as_of(session: AsyncSession) -> datetime | None:
    """When the registry's feed was last read up to date here (None: never; the projection is then empty)."""
    return await FeedRepository(session).checked_at()
