"""The law's shape of control measures, as data: which kinds are control measures proper, their default and
longest terms, and which measure may follow which (and how the earlier one must have ended).

Sources: PRC Anti-Drug Law (禁毒法) art. 33 (community detox: three years), art. 47 (compulsory isolation detox: two
years, extendable by at most one), art. 48 (community rehabilitation after release: at most three years), art. 38
(refusing or seriously breaching community detox, or relapsing during it, leads to compulsory isolation).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final, Literal, get_args

MeasureKind = Literal[
    "community_detox",
    "community_rehabilitation",
    "compulsory_isolation",
    "facility_rehabilitation",
    "voluntary_detox",
    "custody",
]
EndReason = Literal["completed", "escalated_after_relapse", "death", "moved_away", "lost_contact"]
MEASURE_KINDS: Final[tuple[str, ...]] = get_args(MeasureKind)
END_REASONS: Final[tuple[str, ...]] = get_args(EndReason)

LABELS_ZH: Final[dict[str, dict[str, str]]] = {
    "kind": {
        "community_detox": "社区戒毒",
        "community_rehabilitation": "社区康复",
        "compulsory_isolation": "强制隔离戒毒",
        "facility_rehabilitation": "场所康复",
        "voluntary_detox": "自愿戒毒",
        "custody": "羁押",
    },
    "end_reason": {
        "completed": "期满解除",
        "escalated_after_relapse": "复吸后升级管控",
        "death": "死亡",
        "moved_away": "迁出",
        "lost_contact": "失联",
    },
}


@dataclass(frozen=True)
class KindRule:
    control: bool
    """A control measure proper: counts as 'under control', and no two of them may overlap for one person."""
    default_term_years: int | None = None
    """planned_end_on defaults to start_on plus this many years; None: planned_end_on is optional, no default."""
    max_term_years: int | None = None
    """Neither the planned nor the actual end may be later than start_on plus this many years."""


KIND_RULES: Final[dict[str, KindRule]] = {
    "community_detox": KindRule(control=True, default_term_years=3, max_term_years=3),
    "community_rehabilitation": KindRule(control=True, default_term_years=3, max_term_years=3),
    "compulsory_isolation": KindRule(control=True, default_term_years=2, max_term_years=3),
    "facility_rehabilitation": KindRule(control=True),
    "custody": KindRule(control=True),
    # A treatment agreement with a health institution, not a police measure: it may run alongside one.
    "voluntary_detox": KindRule(control=False),
}
CONTROL_KINDS: Final[frozenset[str]] = frozenset(k for k, r in KIND_RULES.items() if r.control)

# How an episode must have ended for another to follow it. Death ends everything.
ALIVE: Final[frozenset[str]] = frozenset(END_REASONS) - {"death"}
ESCALATION: Final[frozenset[str]] = frozenset({"escalated_after_relapse", "lost_contact"})

# previous control measure -> next control measure -> end reasons of the previous one that allow it. A pair not
# listed is refused. The first control measure of a person may be of any kind.
TRANSITIONS: Final[dict[str, dict[str, frozenset[str]]]] = {
    "community_detox": {
        "compulsory_isolation": ESCALATION,
        "custody": ALIVE,
        "community_detox": frozenset({"completed", "moved_away"}),
    },
    "community_rehabilitation": {
        "compulsory_isolation": ESCALATION,
        "custody": ALIVE,
        "community_detox": frozenset({"completed", "moved_away"}),
    },
    "compulsory_isolation": {
        "community_rehabilitation": frozenset({"completed"}),
        "facility_rehabilitation": frozenset({"completed"}),
        "custody": ALIVE,
    },
    "facility_rehabilitation": {
        "community_rehabilitation": frozenset({"completed"}),
        "custody": ALIVE,
    },
    "custody": {
        "community_detox": ALIVE,
        "community_rehabilitation": ALIVE,
        "compulsory_isolation": ALIVE,
    },
}


def transition_allowed(previous_kind: str, previous_end_reason: str | None, next_kind: str) -> bool:
    """May a control measure of `next_kind` follow one of `previous_kind` that ended with `previous_end_reason`?"""
    if previous_end_reason is None:
        return False
    return previous_end_reason in TRANSITIONS.get(previous_kind, {}).get(next_kind, frozenset())


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year + years, day=28)
