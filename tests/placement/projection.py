"""Put people and their measures straight into placement's projection of the registry's feed, as the follower
would have (the tests of the evidence and of the registry's effects need them without running a feed)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from placement.registry_feed.models import ProjectedMeasure, ProjectedPerson

Measure = tuple[str, str, str | None]
"""(kind, start_on, actual_end_on) with ISO dates."""
IN_PROGRAMME: tuple[Measure, ...] = (("community_rehabilitation", "2012-01-01", None),)


def day(value: str | date | None) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


async def project_person(
    db: AsyncSession,
    person_id: str | uuid.UUID,
    measures: Iterable[Measure] = IN_PROGRAMME,
    *,
    jurisdiction_code: str = "dapu",
) -> list[uuid.UUID]:
    """The person and their measures in the projection; the measures' ids, in order."""
    pid = uuid.UUID(str(person_id))
    db.add(
        ProjectedPerson(
            person_id=pid,
            jurisdiction_code=jurisdiction_code,
            status="active",
            work_ability="able",
            birth_year=1985,
            version=1,
            eligible_for_placement=True,
            derived_on=date.today(),
        )
    )
    ids = []
    for kind, start_on, end_on in measures:
        ids.append(await project_measure(db, pid, kind, start_on, end_on))
    await db.flush()
    return ids


async def project_measure(
    db: AsyncSession,
    person_id: str | uuid.UUID,
    kind: str,
    start_on: str | date,
    end_on: str | date | None = None,
    *,
    corrects: uuid.UUID | None = None,
    end_reason: str | None = None,
) -> uuid.UUID:
    measure_id = uuid.uuid4()
    db.add(
        ProjectedMeasure(
            measure_id=measure_id,
            person_id=uuid.UUID(str(person_id)),
            kind=kind,
            start_on=day(start_on),
            actual_end_on=day(end_on),
            end_reason=end_reason or ("completed" if end_on else None),
            corrects_id=corrects,
        )
    )
    await db.flush()
    return measure_id
