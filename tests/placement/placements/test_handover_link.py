"""Placing a person who waits on the hand-over list (无缝对接) takes them off it, in the placement's transaction; a
placement refused for any reason leaves the entry waiting."""

import uuid
from datetime import date, timedelta

from sqlalchemy import select

from placement.handover.models import Handover
from tests.placement.placements.conftest import PLACEMENTS, contract, placement_body


async def waiting(db, person_id: str, jurisdiction_code: str = "dapu") -> Handover:
    entry = Handover(
        person_id=uuid.UUID(person_id),
        jurisdiction_code=jurisdiction_code,
        released_on=date.today() - timedelta(days=12),
        source="isolation_completed",
        source_measure_id=uuid.uuid4(),
    )
    db.add(entry)
    await db.flush()
    return entry


async def entries_of(db, person_id: str) -> list[tuple[str, str | None]]:
    rows = await db.scalars(select(Handover).where(Handover.person_id == uuid.UUID(person_id)))
    return [(h.status, str(h.placement_id) if h.placement_id else None) for h in rows]


async def test_a_placement_closes_the_persons_pending_hand_over_naming_it(api, auth, new_employer, fake_registry, db):
    employer_id = await new_employer()
    person_id = fake_registry.add(released_from_isolation_on=date.today() - timedelta(days=12))
    await waiting(db, person_id)

    response = await api.post(
        PLACEMENTS, json=placement_body(person_id, employer_id, contract=contract()), headers=auth()
    )

    assert response.status_code == 201, response.text
    db.expire_all()
    assert await entries_of(db, person_id) == [("placed", response.json()["id"])]


async def test_a_refused_placement_leaves_the_hand_over_waiting(api, auth, new_employer, fake_registry, db):
    employer_id = await new_employer()
    person_id = fake_registry.add(work_ability="unable")
    await waiting(db, person_id)

    response = await api.post(
        PLACEMENTS, json=placement_body(person_id, employer_id, contract=contract()), headers=auth()
    )

    assert (response.status_code, response.json()["code"]) == (409, "person_not_placeable"), response.text
    db.expire_all()
    assert await entries_of(db, person_id) == [("pending", None)]
