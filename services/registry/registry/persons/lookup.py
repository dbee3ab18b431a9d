"""Batch lookups for other services (placement, subsidy, reporting): per person only jurisdiction, record status,
age, work ability, the measure in force and whether the person is eligible for placement."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.measures.models import ControlMeasure
from registry.measures.rules import CONTROL_KINDS
from registry.measures.status import derive, effective
from registry.persons import policy
from registry.persons.models import Person
from registry.persons.schemas import LookupResult, PersonLookup
from registry.persons.service import age_on
from shared.auth import Principal

WORKING_AGE = (16, 60)
COMMUNITY_MEASURES = frozenset({"community_detox", "community_rehabilitation"})
LO, HI = WORKING_AGE
ELIGIBILITY_DEFINITION = (
    f"Eligible for placement (v1): an active record, of working age ({LO}-{HI}), able or partly able to work, "
    "and today under community detox (社区戒毒) or community rehabilitation (社区康复): not in compulsory "
    "isolation, a facility or custody."
)


def eligible(person: Person, current_measure: str | None, today: date) -> bool:
    return (
        person.status == "active"
        and person.work_ability in ("able", "partly")
        and WORKING_AGE[0] <= age_on(person.birth_date, today) <= WORKING_AGE[1]
        and current_measure in COMMUNITY_MEASURES
    )


def released_from_isolation_on(episodes: list[ControlMeasure], today: date) -> date | None:
    """The end of the last control measure when that was a completed compulsory isolation (and nothing since)."""
    ended = [
        e
        for e in effective(episodes)
        if e.kind in CONTROL_KINDS and e.start_on <= today and e.actual_end_on is not None and e.actual_end_on <= today
    ]
    if not ended:
        return None
    last = max(ended, key=lambda e: (e.start_on, e.actual_end_on))
    if last.kind == "compulsory_isolation" and last.end_reason == "completed":
        return last.actual_end_on
    return None


async def lookup(session: AsyncSession, *, principal: Principal, ids: list[uuid.UUID]) -> LookupResult:
    policy.require_lookup(principal)
    wanted = list(dict.fromkeys(ids))
    stmt = select(Person).where(Person.id.in_(wanted))
    own = policy.visible_jurisdiction(principal)
    if own is not None:
        stmt = stmt.where(Person.jurisdiction_code == own)
    people = {p.id: p for p in (await session.scalars(stmt)).all()}
    episodes: dict[uuid.UUID, list[ControlMeasure]] = {pid: [] for pid in people}
    if people:
        rows = await session.scalars(select(ControlMeasure).where(ControlMeasure.person_id.in_(list(people))))
        for row in rows:
            episodes[row.person_id].append(row)
    today = date.today()
    items = []
    for pid, person in people.items():
        current = derive(episodes[pid], (), as_of=today, consolidation_years=1).current_measure
        kind = current.kind if current else None
        items.append(
            PersonLookup(
                id=pid,
                jurisdiction_code=person.jurisdiction_code,
                status=person.status,
                age=age_on(person.birth_date, today),
                work_ability=person.work_ability,
                current_measure=kind,
                eligible_for_placement=eligible(person, kind, today),
                skills=list(person.skills or ()),
                released_from_isolation_on=None if current else released_from_isolation_on(episodes[pid], today),
            )
        )
    missing = [pid for pid in wanted if pid not in people]
    return LookupResult(items=items, missing=missing, eligibility_definition=ELIGIBILITY_DEFINITION)
