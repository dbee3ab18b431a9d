"""Synthetic feeds for the reporting benchmark: a county of N people and about 10 events each, as the registry's and
placement's feeds would serve them (schema version 2 payloads, pages of JSON bytes), generated on the fly so 10
million events never sit in memory at once. Deterministic for a seed.

Per person: registration (person.created with registration and birth dates), a first measure (community detox, or
compulsory isolation followed by community rehabilitation), its end for some (completed, death, escalation), relapses,
a transfer, a work-ability change, person updates, placements (started, some ended), trainings; and a few dozen
placement sites. Events are emitted person chunk by person chunk, each chunk shuffled, so a person's events are
spread over several pages as in a real feed.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from shared.reference import JURISDICTIONS

DEFAULT_SEED = 20261206
WEIGHTS = [14, 9, 8, 9, 7, 8, 6, 6, 5, 5, 5, 7, 6, 5]
CODES = list(JURISDICTIONS)
RECORDED = datetime(2015, 6, 1, tzinfo=UTC)


def _iso(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


@dataclass
class Stats:
    people: int = 0
    events: dict[str, int] = field(default_factory=lambda: {"registry": 0, "placement": 0})

    @property
    def total(self) -> int:
        return sum(self.events.values())


class County:
    """Generates the people and their events, chunk by chunk."""

    def __init__(self, people: int, *, seed: int = DEFAULT_SEED, chunk: int = 5000, first_person: int = 0) -> None:
        self.people = people
        self.rng = random.Random(seed + first_person)
        self.chunk = chunk
        self.first = first_person
        self.stats = Stats()
        self.ids = {"registry": 0, "placement": 0}

    def _person_id(self, n: int) -> uuid.UUID:
        return uuid.UUID(int=(0xB3 << 120) | n)

    def _person(self, n: int) -> tuple[list[tuple[str, str, uuid.UUID, dict]], list[tuple[str, str, uuid.UUID, dict]]]:
        r = self.rng
        pid = self._person_id(n)
        code = r.choices(CODES, WEIGHTS)[0]
        registered = date(2008, 1, 1) + timedelta(days=r.randrange(365 * 8))
        born = date(1955, 1, 1) + timedelta(days=r.randrange(365 * 45))
        ability = r.choices(["able", "partly", "unable"], [80, 10, 10])[0]
        reg: list[tuple[str, str, uuid.UUID, dict]] = []
        pla: list[tuple[str, str, uuid.UUID, dict]] = []
        base = {"schema_version": 2, "person_id": pid, "jurisdiction_code": code, "status": "active"}
        reg.append(
            (
                "person.created",
                "person",
                pid,
                base
                | {
                    "registered_on": registered,
                    "birth_date": born,
                    "gender": r.choice(["male", "female"]),
                    "work_ability": ability,
                    "work_ability_since": registered,
                    "version": 1,
                },
            )
        )

        def measure(kind: str, start: date, end: date | None, reason: str | None) -> None:
            mid = uuid.uuid4()
            data = {"schema_version": 2, "person_id": pid, "measure_id": mid, "kind": kind, "start_on": start}
            data |= {"planned_end_on": start + timedelta(days=3 * 365), "actual_end_on": None, "end_reason": None}
            reg.append(("measure.created", "person", pid, data))
            if end is not None:
                reg.append(("measure.ended", "person", pid, data | {"actual_end_on": end, "end_reason": reason}))

        community_start = registered
        if r.random() < 0.4:
            release = registered + timedelta(days=r.randrange(500, 730))
            measure("compulsory_isolation", registered, release, "completed")
            community_start = release
            kind = "community_rehabilitation"
        else:
            kind = "community_detox"
        ending = r.random()
        end, reason = None, None
        if ending < 0.35:
            end, reason = community_start + timedelta(days=3 * 365), "completed"
        elif ending < 0.40:
            end, reason = community_start + timedelta(days=r.randrange(30, 1000)), "death"
        elif ending < 0.45:
            end, reason = community_start + timedelta(days=r.randrange(30, 1000)), "lost_contact"
        measure(kind, community_start, end, reason)
        for _ in range(r.choices([0, 1, 2], [75, 18, 7])[0]):
            on = community_start + timedelta(days=r.randrange(10, 1500))
            reg.append(
                (
                    "relapse.recorded",
                    "person",
                    pid,
                    base | {"relapse_id": uuid.uuid4(), "occurred_on": on, "source": "drug_test"},
                )
            )
        if r.random() < 0.05:
            to = r.choice(CODES)
            reg.append(
                (
                    "person.transferred",
                    "person",
                    pid,
                    base
                    | {
                        "jurisdiction_code": to,
                        "from_jurisdiction_code": code,
                        "to_jurisdiction_code": to,
                        "transfer_id": uuid.uuid4(),
                        "effective_on": community_start + timedelta(days=r.randrange(30, 900)),
                        "version": 2,
                    },
                )
            )
        if r.random() < 0.08:
            on = registered + timedelta(days=r.randrange(30, 1500))
            reg.append(
                (
                    "work_ability.changed",
                    "person",
                    pid,
                    base
                    | {
                        "work_ability_change_id": uuid.uuid4(),
                        "work_ability": r.choice(["able", "unable"]),
                        "effective_on": on,
                    },
                )
            )
        for _ in range(r.choices([0, 1, 2], [50, 35, 15])[0]):
            reg.append(
                (
                    "person.updated",
                    "person",
                    pid,
                    base | {"registered_on": registered, "version": 2, "fields": ["phone"]},
                )
            )
        if r.random() < 0.45:
            start = community_start + timedelta(days=r.randrange(20, 700))
            placement_id = uuid.uuid4()
            data = {"placement_id": placement_id, "person_id": pid, "jurisdiction_code": code, "route": "centralised"}
            data |= {"start_on": start, "version": 1, "schema_version": 2}
            pla.append(("placement.started", "placement", placement_id, data))
            if r.random() < 0.35:
                pla.append(
                    (
                        "placement.ended",
                        "placement",
                        placement_id,
                        data | {"ended_on": start + timedelta(days=r.randrange(30, 900)), "version": 2},
                    )
                )
        for _ in range(r.choices([0, 1, 2, 3], [55, 15, 20, 10])[0]):
            enrolment = uuid.uuid4()
            on = community_start + timedelta(days=r.randrange(10, 900))
            pla.append(
                (
                    "training.completed",
                    "training_enrolment",
                    enrolment,
                    {"enrolment_id": enrolment, "person_id": pid, "jurisdiction_code": code, "completed_on": on},
                )
            )
        return reg, pla

    def sites(self) -> list[tuple[str, str, uuid.UUID, dict]]:
        out = []
        for i in range(60):
            site_id = uuid.UUID(int=(0xC5 << 120) | i)
            designated = date(2012, 5, 15) + timedelta(days=self.rng.randrange(1500))
            closed = designated + timedelta(days=self.rng.randrange(300, 2000)) if i % 4 == 0 else None
            out.append(
                (
                    "site.designated",
                    "placement_site",
                    site_id,
                    {
                        "site_id": site_id,
                        "kind": self.rng.choice(["base", "point"]),
                        "jurisdiction_code": CODES[i % 14],
                        "designated_on": designated,
                        "closed_on": closed,
                        "version": 1,
                    },
                )
            )
        return out

    def chunks(self) -> Iterator[dict[str, list[tuple[str, str, uuid.UUID, dict]]]]:
        """Per chunk of people, the events of each feed (shuffled within the chunk)."""
        first_chunk = True
        for start in range(self.first, self.first + self.people, self.chunk):
            reg, pla = [], []
            for n in range(start, min(start + self.chunk, self.first + self.people)):
                a, b = self._person(n)
                reg += a
                pla += b
                self.stats.people += 1
            if first_chunk and self.first == 0:
                pla = self.sites() + pla
                first_chunk = False
            # Keep each person's own order (created before ended) while mixing people: stable sort on a random key
            # per person.
            keys = {p: self.rng.random() for p in {e[3].get("person_id", e[2]) for e in reg + pla}}
            reg.sort(key=lambda e: keys[e[3].get("person_id", e[2])])
            pla.sort(key=lambda e: keys[e[3].get("person_id", e[2])])
            yield {"registry": reg, "placement": pla}


class Pages:
    """A feed made of a County's events: `fetch(after, limit)` answers JSON pages as the real feed does. Tracks how
    long generating took, so it can be left out of the measured apply time."""

    def __init__(
        self, county: County, feed: str, source: Iterator[dict[str, list]], recorded: datetime = RECORDED
    ) -> None:
        self.county = county
        self.feed = feed
        self.source = source
        self.buffer: list[tuple] = []
        self.position = 0
        self.done = False
        self.generating_seconds = 0.0
        self.recorded = recorded
        self.peer: Pages | None = None

    def _fill(self, n: int) -> None:
        import time

        started = time.perf_counter()
        while len(self.buffer) < n and not self.done:
            try:
                chunk = next(self.source)
            except StopIteration:
                self.done = True
                if self.peer is not None:
                    self.peer.done = True
                break
            self.buffer += chunk[self.feed]
            if self.peer is not None:
                self.peer.buffer += chunk[self.peer.feed]
        self.generating_seconds += time.perf_counter() - started

    async def fetch(self, after: str | None, limit: int):
        import time

        from reporting.readmodel.events import FeedPage

        self._fill(limit + 1)
        started = time.perf_counter()
        batch, self.buffer = self.buffer[:limit], self.buffer[limit:]
        items = []
        for kind, aggregate_type, aggregate_id, data in batch:
            self.position += 1
            items.append(
                {
                    "id": self.position,
                    "kind": kind,
                    "aggregate_type": aggregate_type,
                    "aggregate_id": str(aggregate_id),
                    "at": self.recorded.isoformat(),
                    "data": {k: _iso(v) for k, v in data.items()},
                }
            )
        self.county.stats.events[self.feed] += len(items)
        body = json.dumps(
            {
                "items": items,
                "next_cursor": str(self.position) if self.position else after,
                "has_more": bool(self.buffer) or not self.done,
            }
        ).encode()
        self.generating_seconds += time.perf_counter() - started
        # What the real client does with the gateway's answer (reporting.readmodel.client.FeedClient.page).
        return FeedPage.model_validate_json(body)


def feeds(
    people: int, *, seed: int = DEFAULT_SEED, first_person: int = 0, recorded: datetime = RECORDED
) -> tuple[County, dict[str, Pages]]:
    county = County(people, seed=seed, first_person=first_person)
    source = county.chunks()
    registry = Pages(county, "registry", source, recorded)
    placement = Pages(county, "placement", source, recorded)
    registry.peer, placement.peer = placement, registry
    return county, {"registry": registry, "placement": placement}
