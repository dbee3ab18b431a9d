"""Who may be placed, and in what kind of work: one rule used by placements, matching and referrals alike.

PLACEABLE_DEFINITION is the rule in words (v1): an active registry record; able or partly able to work (a person who
has partly lost the ability only in part-time or seasonal work, or in a post marked as light work); and, today,
under community detox (社区戒毒) or community rehabilitation (社区康复), or released from compulsory isolation (解除强制
隔离戒毒) with no control measure in force since. The registry's own `eligible_for_placement` also asks for working
age; placement does not, so a person past 60 who wants to work is not turned away (reported, not refused)."""

from __future__ import annotations

from placement.registry_client import PersonFacts

COMMUNITY_MEASURES = frozenset({"community_detox", "community_rehabilitation"})
PLACEABLE_DEFINITION = (
    "Placeable (v1): an active record; able or partly able to work (partly: part-time or seasonal work, or a light "
    "post, only); under community detox or community rehabilitation today, or released from compulsory isolation "
    "with no control measure in force since."
)


def refusal(facts: PersonFacts) -> str | None:
    """Why this person cannot be placed at all, or None."""
    if facts.status != "active":
        return "The person's record is archived."
    if facts.work_ability == "unable":
        return "The person has lost the ability to work (丧失劳动能力)."
    if facts.current_measure not in COMMUNITY_MEASURES and facts.released_from_isolation_on is None:
        return "The person is not under community detox or rehabilitation, nor released from compulsory isolation."
    return None


def work_fits(facts: PersonFacts, *, working_pattern: str, light_work: bool) -> bool:
    """Whether the person's work ability allows this kind of work."""
    if facts.work_ability == "able":
        return True
    if facts.work_ability == "partly":
        return working_pattern != "full_time" or light_work
    return False
