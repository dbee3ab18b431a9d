"""Migration r0011 on a database of its own: existing people get a registration day (the first measure's start when
earlier than the row's creation, else that day), their work ability as a first dated change, an archived record its
off-register change, an accepted transfer its effective day, and everyone a schema-v2 person.snapshot; the downgrade
takes the schema back."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import pytest

from shared.migrations import downgrade, upgrade
from tests.migration_db import fresh_database, run
from tests.registry.persons.conftest import id_number

EARLY, LATE, GONE = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


@pytest.fixture
def url(pg_server_url) -> str:
    return fresh_database(pg_server_url, "registry_r0011")


PERSON = """
INSERT INTO person (id, name, gender, birth_date, id_number_cipher, id_number_hash, id_number_masked,
                    jurisdiction_code, work_ability, work_ability_reason, status, archived_at, archive_reason,
                    version, created_at)
VALUES (:id, '旧档', 'male', '1980-02-02', '\\x00', :hash, '450222********0000', 'dapu', :ability, :reason,
        :status, :archived_at, :archive_reason, 1, :created_at)
"""
MEASURE = """
INSERT INTO control_measure (id, person_id, kind, start_on, actual_end_on, end_reason, corrects_id, correction_reason,
                             created_by)
VALUES (:id, :person_id, 'community_detox', :start_on, NULL, NULL, :corrects_id, :correction_reason, 'old')
"""


async def old_person(url: str, person_id: uuid.UUID, seq: int, **values) -> None:
    defaults = {"ability": "able", "reason": None, "status": "active", "archived_at": None, "archive_reason": None}
    values = defaults | values
    for at in ("archived_at", "created_at"):
        values[at] = datetime.fromisoformat(values[at]) if values[at] else None
    await run(url, PERSON, id=person_id, hash=id_number(seq=seq), **values)


async def test_existing_rows_are_filled_and_snapshotted_and_the_downgrade_takes_it_back(url):
    upgrade("registry", url, "r0010")
    await old_person(url, EARLY, 1, created_at="2014-03-01 10:00+08:00")
    await old_person(url, LATE, 3, ability="partly", reason="腿伤", created_at="2014-03-01 23:30+00:00")
    await old_person(
        url,
        GONE,
        5,
        status="archived",
        archived_at="2015-01-20 09:00+08:00",
        archive_reason="迁往外省",
        created_at="2013-01-05 09:00+08:00",
    )
    wrong, fixed = uuid.uuid4(), uuid.uuid4()
    # EARLY's first measure (as corrected) started before the row was created; the superseded one does not count.
    await run(
        url, MEASURE, id=wrong, person_id=EARLY, start_on=date(2011, 1, 1), corrects_id=None, correction_reason=None
    )
    await run(
        url, MEASURE, id=fixed, person_id=EARLY, start_on=date(2012, 6, 1), corrects_id=wrong, correction_reason="错"
    )
    # LATE's measure started after the row was created: the creation day (China Standard Time) stands.
    await run(url, MEASURE, id=uuid.uuid4(), person_id=LATE, start_on=date(2014, 5, 1), corrects_id=None,
              correction_reason=None)  # fmt: skip
    transfer = uuid.uuid4()
    await run(
        url,
        """
        INSERT INTO person_transfer (id, person_id, from_jurisdiction_code, to_jurisdiction_code, reason, status,
                                     proposed_by, resolved_by, resolved_at, version)
        VALUES (:id, :pid, 'shapu', 'dapu', '迁居', 'accepted', 'a', 'b', '2013-06-30 20:00+00', 2)
        """,
        id=transfer,
        pid=GONE,
    )

    upgrade("registry", url, "r0011")

    people = {
        r.id: r
        for r in await run(
            url, "SELECT id, registered_on, work_ability_since, archived_on, archive_reason_code FROM person"
        )
    }
    assert (people[EARLY].registered_on, people[EARLY].work_ability_since) == (date(2012, 6, 1), date(2012, 6, 1))
    assert people[LATE].registered_on == date(2014, 3, 2)  # 23:30 UTC is the next day in Liucheng
    assert (people[GONE].archived_on, people[GONE].archive_reason_code) == (date(2015, 1, 20), "other")
    abilities = await run(url, "SELECT person_id, effective_on, work_ability, reason FROM work_ability_change")
    assert sorted((r.person_id == LATE, r.work_ability, r.reason) for r in abilities) == [
        (False, "able", None),
        (False, "able", None),
        (True, "partly", "腿伤"),
    ]
    changes = await run(url, "SELECT person_id, kind, effective_on, reason_code, detail FROM register_change")
    assert [tuple(r) for r in changes] == [(GONE, "left", date(2015, 1, 20), "other", "迁往外省")]
    (moved,) = await run(url, "SELECT effective_on FROM person_transfer")
    assert moved.effective_on == date(2013, 7, 1)

    snapshots = {
        r.aggregate_id: r.data
        for r in await run(url, "SELECT aggregate_id, data FROM outbox_event WHERE kind = 'person.snapshot'")
    }
    assert set(snapshots) == {EARLY, LATE, GONE}
    early = snapshots[EARLY]
    assert (early["schema_version"], early["person_id"], early["registered_on"], early["birth_date"]) == (
        2,
        str(EARLY),
        "2012-06-01",
        "1980-02-02",
    )
    assert [(m["start_on"], m["corrects_id"]) for m in early["measures"]] == [
        ("2011-01-01", None),
        ("2012-06-01", str(wrong)),
    ]
    gone = snapshots[GONE]
    assert (gone["status"], gone["archived_on"], gone["archive_reason_code"]) == ("archived", "2015-01-20", "other")
    assert [(c["kind"], c["effective_on"], c["withdrawn"]) for c in gone["register_changes"]] == [
        ("left", "2015-01-20", False)
    ]
    assert gone["transfers"] == [
        {
            "transfer_id": str(transfer),
            "from_jurisdiction_code": "shapu",
            "to_jurisdiction_code": "dapu",
            "effective_on": "2013-07-01",
        }
    ]
    for secret in ("旧档", "迁往外省", "腿伤", "450222"):
        assert secret not in str(snapshots)

    downgrade("registry", url, "r0010")
    columns = {
        r.column_name
        for r in await run(url, "SELECT column_name FROM information_schema.columns WHERE table_name = 'person'")
    }
    assert not columns & {"registered_on", "work_ability_since", "archived_on", "archive_reason_code"}
    tables = {
        r.table_name
        for r in await run(url, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
    }
    assert not tables & {"register_change", "work_ability_change", "stay"}
    upgrade("registry", url, "head")  # and up again
