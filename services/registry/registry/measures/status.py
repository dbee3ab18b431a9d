"""A person's control status as of a date, derived from their episodes (corrections applied) and relapses."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from registry.measures.rules import CONTROL_KINDS, add_years

DEFINITION_TEXT = (
    "Consolidated (戒断巩固): abstinent for at least {n} years on the as-of date, i.e. no positive drug test and no "
    "escalation after relapse since the day abstinence began (the day after the last relapse, else the start of the "
    "first measure), and not lost contact. Under control: a control measure (community detox, community "
    "rehabilitation, compulsory isolation, facility rehabilitation or custody) has started by that date and not yet "
    "ended (an end date belongs to what follows). Corrected entries are replaced by their corrections."
)


class Episode(Protocol):
    id: object
    kind: str
    start_on: date
    planned_end_on: date | None
    actual_end_on: date | None
    end_reason: str | None
    corrects_id: object


@dataclass(frozen=True)
class CurrentMeasure:
    id: object
    kind: str
    since: date
    planned_end_on: date | None


@dataclass(frozen=True)
class DerivedStatus:
    as_of: date
    under_control: bool
    current_measure: CurrentMeasure | None
    lost_contact: bool
    last_relapse_on: date | None
    abstinent_since: date | None
    consolidated: bool
    consolidation_years: int


def effective(episodes: Iterable[Episode]) -> list[Episode]:
    """The episodes in force: every row that no correction supersedes."""
    rows = list(episodes)
    superseded = {e.corrects_id for e in rows if e.corrects_id is not None}
    return [e for e in rows if e.id not in superseded]


def derive(
    episodes: Iterable[Episode], relapse_days: Iterable[date], *, as_of: date, consolidation_years: int
) -> DerivedStatus:
    known: Sequence[Episode] = sorted((e for e in effective(episodes) if e.start_on <= as_of), key=lambda e: e.start_on)
    control = [e for e in known if e.kind in CONTROL_KINDS]
    open_now = [e for e in control if e.actual_end_on is None or as_of < e.actual_end_on]
    current = open_now[-1] if open_now else None
    latest = control[-1] if control else None
    lost_contact = (
        current is None
        and latest is not None
        and latest.end_reason == "lost_contact"
        and latest.actual_end_on is not None
        and latest.actual_end_on <= as_of
    )
    relapses = [d for d in relapse_days if d <= as_of]
    relapses += [
        e.actual_end_on
        for e in known
        if e.end_reason == "escalated_after_relapse" and e.actual_end_on is not None and e.actual_end_on <= as_of
    ]
    last_relapse_on = max(relapses, default=None)
    if last_relapse_on is not None:
        abstinent_since: date | None = last_relapse_on + timedelta(days=1)
    else:
        abstinent_since = known[0].start_on if known else None
    consolidated = (
        abstinent_since is not None and not lost_contact and add_years(abstinent_since, consolidation_years) <= as_of
    )
    return DerivedStatus(
        as_of=as_of,
        under_control=current is not None,
        current_measure=CurrentMeasure(current.id, current.kind, current.start_on, current.planned_end_on)
        if current
        else None,
        lost_contact=lost_contact,
        last_relapse_on=last_relapse_on,
        abstinent_since=abstinent_since,
        consolidated=consolidated,
        consolidation_years=consolidation_years,
    )
