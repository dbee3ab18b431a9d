"""Batch lookups for other services (placement, subsidy, reporting), as of a day (default today): per person only
jurisdiction, whether on the register, age, work ability, the measure in force, custody or facility stays, the
measure history (kinds and dates) and whether the person is eligible for placement that day. Never a name, an ID
number or contact details."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.history import asof
from registry.history.repository import HistoryRepository
from registry.persons import policy
from registry.persons.models import Person
from registry.persons.schemas import LookupResult, MeasureSpan, PersonLookup
from shared.auth import Principal
from shared.errors import FieldError, InvalidInput


async def lookup(
    session: AsyncSession,
    *,
    principal: Principal,
    ids: list[uuid.UUID],
    as_of: date | None,
    today: date,
    consolidation_years: int,
    working_age: tuple[int, int],
) -> LookupResult:
    policy.require_lookup(principal)
    on = as_of or today
    if on > today:
        message = "as_of cannot be after today: facts are known up to today"
        raise InvalidInput(message, errors=[FieldError(field="body.as_of", message=message)])
    wanted = list(dict.fromkeys(ids))
    stmt = select(Person).where(Person.id.in_(wanted))
    own = policy.visible_jurisdiction(principal)
    if own is not None:
        stmt = stmt.where(Person.jurisdiction_code == own)
    people = list((await session.scalars(stmt)).all())
    histories = await HistoryRepository(session).histories(people)
    items = []
    for person in people:
        h = histories[person.id]
        facts = asof.as_of(h, on, consolidation_years=consolidation_years)
        kind = facts.measure_in_force.kind if facts.measure_in_force is not None else None
        items.append(
            PersonLookup(
                id=person.id,
                as_of=on,
                jurisdiction_code=facts.jurisdiction_code,
                status="active" if facts.on_record else "archived",
                on_record=facts.on_record,
                age=asof.age_on(person.birth_date, on),
                work_ability=facts.work_ability,
                measure_in_force=kind,
                current_measure=kind,
                community_measure_in_force=facts.community_measure_in_force,
                in_custody_or_facility=facts.in_custody_or_facility,
                measures=[
                    MeasureSpan(
                        kind=e.kind,
                        start_on=e.start_on,
                        end_on=e.actual_end_on,
                        end_reason=e.end_reason,
                        planned_end_on=e.planned_end_on,
                    )
                    for e in asof.measure_history(h.episodes)
                ],
                eligible_for_placement=asof.eligible(h, facts, working_age),
                skills=list(person.skills or ()),
                released_from_isolation_on=asof.released_from_isolation_on(h.episodes, on) if facts.on_record else None,
            )
        )
    order = {pid: i for i, pid in enumerate(wanted)}
    items.sort(key=lambda item: order[item.id])
    found = {p.id for p in people}
    return LookupResult(
        as_of=on,
        items=items,
        missing=[pid for pid in wanted if pid not in found],
        eligibility_definition=asof.eligibility_text(on, working_age),
        eligibility_version=asof.ELIGIBILITY_VERSION,
    )
