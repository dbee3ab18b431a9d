"""Migration p0010 on a database of its own: placements recorded before it get their creation day and rule v1 as
the day and rule their eligibility was checked on; registry-event columns stay empty; the end-reason check takes
died and compulsory_isolation; the downgrade drops the columns and keeps such rows (the narrower check NOT VALID)."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy.exc import IntegrityError

from shared.migrations import downgrade, upgrade
from tests.migration_db import fresh_database, run

OLD, NEW = uuid.uuid4(), uuid.uuid4()
INSERT = """
    INSERT INTO placement (id, person_id, jurisdiction_code, route, working_pattern, start_on, ended_on, end_reason,
                           version, created_at, updated_at)
    VALUES (:id, :person, 'dapu', 'flexible', 'part_time', '2012-07-01', :ended_on, :reason, 1,
            '2026-11-30 10:00+00', now())
"""


@pytest.fixture
def url(pg_server_url) -> str:
    return fresh_database(pg_server_url, "placement_p0010")


async def test_p0010_fills_existing_rows_widens_the_end_reasons_and_goes_back(url):
    upgrade("placement", url, "p0009")
    await run(url, INSERT, id=OLD, person=uuid.uuid4(), ended_on=None, reason=None)
    with pytest.raises(IntegrityError):
        await run(url, INSERT, id=NEW, person=uuid.uuid4(), ended_on=date(2013, 1, 1), reason="died")

    upgrade("placement", url, "p0010")
    rows = await run(
        url,
        "SELECT CAST(eligibility_checked_on AS text), eligibility_rule, ended_by_event_id, ended_by_event_kind "
        "FROM placement",
    )
    assert rows == [("2026-11-30", "placeable-v1", None, None)]
    await run(url, INSERT, id=NEW, person=uuid.uuid4(), ended_on=date(2013, 1, 1), reason="died")
    with pytest.raises(IntegrityError):
        await run(url, INSERT, id=uuid.uuid4(), person=uuid.uuid4(), ended_on=date(2013, 1, 1), reason="vanished")
    assert await run(url, "SELECT closed_by_event_id, placement_id FROM referral") == []

    downgrade("placement", url, "p0009")
    columns = await run(
        url,
        "SELECT column_name FROM information_schema.columns WHERE table_name IN ('placement', 'referral') "
        "AND column_name IN ('eligibility_checked_on', 'eligibility_rule', 'ended_by_event_id', "
        "'ended_by_event_kind', 'closed_by_event_id', 'placement_id')",
    )
    assert columns == []
    assert await run(url, "SELECT end_reason FROM placement WHERE id = :id", id=NEW) == [("died",)]
    with pytest.raises(IntegrityError):
        await run(url, INSERT, id=uuid.uuid4(), person=uuid.uuid4(), ended_on=date(2013, 1, 1), reason="died")
    upgrade("placement", url, "p0010")
