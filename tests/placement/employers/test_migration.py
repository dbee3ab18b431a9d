"""Migration p0004 on a database of its own: an employer flagged as a Qihang enterprise and its one contact come
through the upgrade as a designation step and a contacts list, and go back through the downgrade."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy.exc import DBAPIError

from shared.migrations import downgrade, upgrade
from tests.migration_db import fresh_database, run

FLAGGED, PLAIN = uuid.uuid4(), uuid.uuid4()


@pytest.fixture
def url(pg_server_url) -> str:
    return fresh_database(pg_server_url, "placement_p0004")


async def test_upgrade_carries_the_flag_and_contact_over_and_downgrade_brings_them_back(url):
    upgrade("placement", url, "p0003")
    await run(
        url,
        """
        INSERT INTO employer (id, name, kind, is_qihang_enterprise, jurisdiction_code, contact_name, contact_phone,
                              version, created_at)
        VALUES (:flagged, '鹏鑫源', 'enterprise', true, 'dapu', '韦经理', '0772-7612345', 1, '2012-05-15 09:00+08'),
               (:plain, '东泉小饭店', 'individual_business', false, 'dongquan', NULL, NULL, 1, now())
        """,
        flagged=FLAGGED,
        plain=PLAIN,
    )

    upgrade("placement", url, "p0004")
    steps = await run(url, "SELECT employer_id, seq, action, status_after, effective_on FROM employer_designation")
    assert [(s.employer_id, s.seq, s.action, s.status_after, s.effective_on.isoformat()) for s in steps] == [
        (FLAGGED, 1, "designate", "active", "2012-05-15")
    ]
    contacts = dict(await run(url, "SELECT id, contacts FROM employer"))
    assert contacts == {FLAGGED: [{"name": "韦经理", "phone": "0772-7612345"}], PLAIN: []}

    downgrade("placement", url, "p0003")
    rows = await run(url, "SELECT id, is_qihang_enterprise, contact_name, contact_phone FROM employer ORDER BY name")
    assert {r.id: (r.is_qihang_enterprise, r.contact_name, r.contact_phone) for r in rows} == {
        FLAGGED: (True, "韦经理", "0772-7612345"),
        PLAIN: (False, None, None),
    }
    tables = await run(
        url, "SELECT tablename FROM pg_tables WHERE tablename IN ('employer_designation','placement_site')"
    )
    assert tables == []


async def test_downgrade_refuses_to_drop_public_institutions_silently(url):
    upgrade("placement", url, "p0004")
    await run(
        url,
        "INSERT INTO employer (id, name, kind, jurisdiction_code, version) "
        "VALUES (:id, '县人民医院', 'public_institution', 'dapu', 1)",
        id=uuid.uuid4(),
    )
    with pytest.raises(DBAPIError, match="public_institution"):
        downgrade("placement", url, "p0003")
    kinds = await run(url, "SELECT kind FROM employer")
    assert [k.kind for k in kinds] == ["public_institution"]
