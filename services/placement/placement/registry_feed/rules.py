"""Who counts as eligible for placement and which measure is in force, computed here from the projected episodes
with the registry's own rules (registry.measures.status / registry.persons.lookup), restated because services never
import each other. Versioned: every answer that depends on it names the definition it used."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Final, Protocol

CONTROL_KINDS: Final = frozenset(
    {"community_detox", "community_rehabilitation", "compulsory_isolation", "facility_rehabilitation", "custody"}
)
COMMUNITY_KINDS: Final = frozenset({"community_detox", "community_rehabilitation"})
WORKING_AGE: Final = (16, 60)
ABLE: Final = frozenset({"able", "partly"})

ELIGIBILITY_VERSION: Final = "placement-eligibility-v1"
ELIGIBILITY_DEFINITION: Final = (
    f"{ELIGIBILITY_VERSION}: an active registry record, able or partly able to work, of working age "
    f"({WORKING_AGE[0]}-{WORKING_AGE[1]}, counted as the age reached in the calendar year: the registry shares the "
    "birth year only), and under community detox (社区戒毒) or community rehabilitation (社区康复): not in compulsory "
    "isolation, a facility or custody. Corrected measure entries are replaced by their corrections."
)
YEAR_DEFINITION: Final = (
    f"{ELIGIBILITY_VERSION}, for a year: eligible as above on at least one day of the year (under community detox or "
    "rehabilitation on that day, of working age in that year), with the record active and able to work as it stands."
)


class Episode(Protocol):
    measure_id: object
    kind: str
    start_on: date
    actual_end_on: date | None
    corrects_id: object


def effective(episodes: Iterable[Episode]) -> list[Episode]:
    """The episodes in force: every row no correction supersedes."""
    rows = list(episodes)
    superseded = {e.corrects_id for e in rows if e.corrects_id is not None}
    return [e for e in rows if e.measure_id not in superseded]


def measure_in_force(episodes: Iterable[Episode], as_of: date) -> str | None:
    """Kind of the control measure started by `as_of` and not yet ended (an end date belongs to what follows)."""
    started = sorted((e for e in effective(episodes) if e.start_on <= as_of), key=lambda e: e.start_on)
    open_now = [e for e in started if e.kind in CONTROL_KINDS and (e.actual_end_on is None or as_of < e.actual_end_on)]
    return open_now[-1].kind if open_now else None


def of_working_age(birth_year: int | None, year: int) -> bool:
    return birth_year is not None and WORKING_AGE[0] <= year - birth_year <= WORKING_AGE[1]


def eligible(status: str, work_ability: str | None, birth_year: int | None, measure_kind: str | None, on: date) -> bool:
    return (
        status == "active"
        and work_ability in ABLE
        and of_working_age(birth_year, on.year)
        and measure_kind in COMMUNITY_KINDS
    )


def community_days_in(episodes: Sequence[Episode], year: int) -> bool:
    """Under community detox or rehabilitation on at least one day of `year`."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    for e in effective(episodes):
        if e.kind in COMMUNITY_KINDS and e.start_on <= last and (e.actual_end_on is None or e.actual_end_on > first):
            return True
    return False
