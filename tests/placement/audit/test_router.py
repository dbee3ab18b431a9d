"""The placement service's own audit trail answers the auditors' questions (shared.audit_api) from its own
database: a person's placement data read here is found here, not in the registry's trail."""

import uuid

from placement.audit.models import audit
from shared.auth import Principal
from tests.principals import user

URL = "/api/v1/placement-audit-events"


def township_user() -> Principal:
    return user(scopes={"placement:read", "placement:write"})


async def test_an_auditor_finds_who_read_a_persons_placement_data_and_the_chain_holds(
    placement_and_session, make_token
):
    client, session = placement_and_session
    person, other = uuid.uuid4(), uuid.uuid4()
    staff = township_user()
    await audit.record(
        session, principal=staff, operation="placement.read", resource_type="person", resource_ids=[person]
    )
    await audit.record(
        session, principal=staff, operation="placement.read", resource_type="person", resource_ids=[other]
    )
    auditor = {"Authorization": f"Bearer {make_token(roles=['auditor'], department='nco')}"}

    response = await client.get(URL, params={"person_id": str(person)}, headers=auditor)

    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [(e["actor_subject"], e["operation"], e["resource_ids"]) for e in items] == [
        (staff.subject, "placement.read", [str(person)])
    ]
    verified = await client.get(f"{URL}/verify", headers=auditor)
    assert verified.status_code == 200 and verified.json()["ok"] is True


async def test_staff_without_audit_read_are_refused_and_the_refusal_is_recorded(placement_and_session, make_token):
    client, _session = placement_and_session
    person = uuid.uuid4()
    staff = {"Authorization": f"Bearer {make_token(roles=['staff'], department='township', jurisdiction='dapu')}"}

    response = await client.get(URL, params={"person_id": str(person)}, headers=staff)

    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")
    auditor = {"Authorization": f"Bearer {make_token(roles=['auditor'], department='nco')}"}
    trail = (await client.get(URL, params={"person_id": str(person)}, headers=auditor)).json()["items"]
    assert [(e["operation"], e["outcome"]) for e in trail] == [("audit.read", "denied")]
