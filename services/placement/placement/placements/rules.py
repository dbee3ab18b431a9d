"""Who may be placed, and in what kind of work: one rule used by placements, matching and referrals alike.

PLACEABLE_DEFINITION is the rule in words (v2): checked ON THE PLACEMENT'S START DATE (today for a referral or a
placement starting later), with the registry's facts as of that day: on the register that day; able or partly able
to work that day (a person who has partly lost the ability only in part-time or seasonal work, or in a post marked as
light work); not in custody or a facility that day; and under community detox (社区戒毒) or community rehabilitation
(社区康复) that day, or released from compulsory isolation (解除强制隔离戒毒) with no control measure in force since.
v1 asked the same of TODAY's facts, so a 2012 contract of someone whose community detox ended in 2015 was refused.
The registry's own `eligible_for_placement` also asks for working age; placement does not, so a person past 60 who
wants to work is not turned away (reported, not refused)."""

from __future__ import annotations

from datetime import date

from placement.registry_client import MeasureSpan, PersonFacts

COMMUNITY_MEASURES = frozenset({"community_detox", "community_rehabilitation"})
PLACEABLE_VERSION = "placeable-v2"
PLACEABLE_DEFINITION = (
    "Placeable (v2), on the placement's start date (today when it starts later): on the register that day; able or "
    "partly able to work that day (partly: part-time or seasonal work, or a light post, only); not in custody or a "
    "facility that day; under community detox or community rehabilitation that day, or released from compulsory "
    "isolation with no control measure in force since."
)


def checked_on(start_on: date, today: date) -> date:
    """The day a placement starting on `start_on` is checked on: its start, or today when it starts later (the
    registry knows facts up to today)."""
    return min(start_on, today)


def measure_history(measures: list[MeasureSpan]) -> str:
    """The measure history in a refusal: kinds and dates only (never a name, an ID number or a note)."""
    if not measures:
        return "no control measure is recorded"
    spans = []
    for m in measures:
        end = f"ended {m.end_on}" + (f" ({m.end_reason})" if m.end_reason else "") if m.end_on else "open"
        spans.append(f"{m.kind} from {m.start_on}, {end}")
    return "; ".join(spans)


def refusal(facts: PersonFacts) -> str | None:
    """Why this person cannot be placed at all on the day the facts are for, or None."""
    on = f" on {facts.as_of}" if facts.as_of is not None else ""
    if not facts.is_on_record:
        return f"The person was not on the register{on}."
    if facts.work_ability == "unable":
        return f"The person had lost the ability to work (丧失劳动能力){on}."
    if facts.in_custody_or_facility:
        return f"The person was in custody or a facility{on}."
    if not facts.in_community_measure and facts.released_from_isolation_on is None:
        return (
            f"The person was not under community detox or rehabilitation{on}, nor released from compulsory "
            f"isolation. Measure history: {measure_history(facts.measures)}."
        )
    return None


def work_fits(facts: PersonFacts, *, working_pattern: str, light_work: bool) -> bool:
    """Whether the person's work ability allows this kind of work."""
    if facts.work_ability == "able":
        return True
    if facts.work_ability == "partly":
        return working_pattern != "full_time" or light_work
    return False
