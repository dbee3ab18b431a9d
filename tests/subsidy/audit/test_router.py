"""The subsidy service's own audit trail: what `subsidy.audit.models.audit` records is listed at
/api/v1/subsidy-audit-events for auditors (a township auditor: only their jurisdiction's events), sealed by the
service's sealer, and checked by /verify."""

import asyncio
import uuid

from sqlalchemy import text

from shared.auth import Principal
from subsidy.audit.models import audit
from subsidy.main import create_app
from tests.principals import user
from tests.registry.audit.helpers import committed_audit_rows

URL = "/api/v1/subsidy-audit-events"


def finance_officer() -> Principal:
    return user("覃会计", department="finance", jurisdiction=None, scopes={"subsidy:read", "subsidy:write"})


def auditor(make_token, jurisdiction: str | None = None) -> dict:
    department = "nco" if jurisdiction is None else "township"
    return {
        "Authorization": f"Bearer {make_token(roles=['auditor'], department=department, jurisdiction=jurisdiction)}"
    }


async def test_auditors_read_the_subsidy_trail_scoped_to_their_jurisdiction(subsidy_and_session, make_token):
    client, session = subsidy_and_session
    officer = finance_officer()
    decision, employer = uuid.uuid4(), uuid.uuid4()
    await audit.record(
        session,
        principal=officer,
        operation="subsidy.decision.approve",
        resource_type="subsidy_decision",
        resource_ids=[decision, employer],
        changes={"status": ("decided", "approved"), "amount_cny": (None, "30000.00"), "note": (None, "经核实")},
        jurisdictions=["dapu"],
    )

    county = await client.get(URL, params={"actor": officer.subject}, headers=auditor(make_token))
    assert county.status_code == 200, county.text
    (event,) = county.json()["items"]
    assert (event["operation"], event["jurisdictions"], event["seq"]) == ("subsidy.decision.approve", ["dapu"], None)
    assert event["changes"] == {
        "status": {"old": "decided", "new": "approved"},
        "amount_cny": {"old": None, "new": "30000.00"},
        "note": {"old": None, "new": "[redacted]"},
    }
    mine = await client.get(URL, params={"actor": officer.subject}, headers=auditor(make_token, "dapu"))
    other = await client.get(URL, params={"actor": officer.subject}, headers=auditor(make_token, "shapu"))
    assert [e["id"] for e in mine.json()["items"]] == [event["id"]]
    assert other.json()["items"] == []


async def test_staff_without_audit_read_are_refused_and_the_refusal_is_recorded(subsidy_and_session, make_token):
    client, session = subsidy_and_session
    staff = {"Authorization": f"Bearer {make_token(roles=['staff'], department='finance')}"}
    response = await client.get(URL, headers=staff)
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")
    outcome = await session.scalar(
        text("SELECT outcome FROM audit_log WHERE operation = 'audit.read' ORDER BY id DESC LIMIT 1")
    )
    assert outcome == "denied"


async def test_the_service_seals_its_trail_and_verify_reports_it(service_client, database_url, make_token):
    async with committed_audit_rows(database_url("subsidy"), audit) as committed:
        async with committed.sessionmaker() as writer:
            entry = await audit.record(
                writer,
                principal=finance_officer(),
                operation="subsidy.decision.read",
                resource_type="subsidy_decision",
                resource_ids=[uuid.uuid4()],
            )
            await writer.commit()
        # The service's own sealer (started with the app) chains the row: wait for it, no sealing by hand.
        async with service_client("subsidy", create_app) as (client, _session):
            for _ in range(500):
                body = (await client.get(f"{URL}/verify", headers=auditor(make_token))).json()
                if body["sealed_up_to_id"] is not None and body["sealed_up_to_id"] >= entry.id:
                    break
                await asyncio.sleep(0.02)
        assert (body["ok"], body["first_bad_id"]) == (True, None)
        assert body["sealed_up_to_id"] == entry.id and body["checked"] == body["sealed"] >= 1
