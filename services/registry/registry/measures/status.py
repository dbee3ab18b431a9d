"""Control measures as of a date: which episodes stand (corrections applied), which control measure is in force,
and whether the person had lost contact. The whole status (on record, consolidation rule v2, stays) is
registry.history.asof, which builds on this."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Protocol

from registry.measures.rules import CONTROL_KINDS


class Episode(Protocol):
    id: object
    kind: str
    start_on: date
    planned_end_on: date | None
    actual_end_on: date | None
    end_reason: str | None
    corrects_id: object


def effective(episodes: Iterable[Episode]) -> list[Episode]:
    """The episodes in force: every row that no correction supersedes."""
    rows = list(episodes)
    superseded = {e.corrects_id for e in rows if e.corrects_id is not None}
    return [e for e in rows if e.id not in superseded]


def started_by(episodes: Iterable[Episode], on: date) -> list[Episode]:
    """The standing episodes started on or before `on`, in start order."""
    return sorted((e for e in effective(episodes) if e.start_on <= on), key=lambda e: e.start_on)


def in_force(episode: Episode, on: date) -> bool:
    """Started by `on` and not ended yet: an end date belongs to what follows."""
    return episode.start_on <= on and (episode.actual_end_on is None or on < episode.actual_end_on)


def control_in_force(episodes: Iterable[Episode], on: date) -> Episode | None:
    """The control measure in force on `on` (the latest started when records overlap), or None."""
    found = [e for e in started_by(episodes, on) if e.kind in CONTROL_KINDS and in_force(e, on)]
    return found[-1] if found else None


def lost_contact_on(known: Sequence[Episode], on: date) -> bool:
    """No control measure in force, and the latest one ended with lost contact by `on` (`known`: started_by)."""
    control = [e for e in known if e.kind in CONTROL_KINDS]
    if not control or any(in_force(e, on) for e in control):
        return False
    latest = control[-1]
    return latest.end_reason == "lost_contact" and latest.actual_end_on is not None and latest.actual_end_on <= on
