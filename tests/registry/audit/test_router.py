"""The auditors' API: who viewed person X, what user U did, what happened between two times; the chain check; and
that reading the audit trail is itself audited, refusals included."""

import asyncio
import uuid

import pytest
from sqlalchemy import text

from registry.audit.models import audit
from registry.main import create_app
from shared.auth import Principal
from tests.calls import pages
from tests.principals import user
from tests.registry.audit.helpers import committed_audit_rows
from tests.rows import last_audit_id

URL = "/api/v1/audit-events"


def actor(name: str) -> Principal:
    return user(name, scopes={"registry:read", "registry:write"})


@pytest.fixture
def auditor(make_token):
    subject = f"auditor-{uuid.uuid4()}"
    return subject, {"Authorization": f"Bearer {make_token(roles=['auditor'], department='nco', sub=subject)}"}


async def record(session, who: Principal, operation: str, *people: uuid.UUID, **kwargs):
    return await audit.record(
        session, principal=who, operation=operation, resource_type="person", resource_ids=people, **kwargs
    )


async def events(registry, headers, **params) -> list[dict]:
    response = await registry.get(URL, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_who_viewed_or_changed_person_x(registry, db, auditor):
    x, y = uuid.uuid4(), uuid.uuid4()
    wei, huang, qin = actor("wei"), actor("huang"), actor("qin")
    await record(db, wei, "person.read", x)
    await record(db, huang, "person.list", y, x)
    await record(db, qin, "person.read", y)
    await record(
        db,
        wei,
        "person.update",
        x,
        changes={
            "household_address": ("大埔镇", "东泉镇"),
            "id_number": ("450222199001011234", None),
            "education": (None, "senior_high"),
        },
    )

    found = await events(registry, auditor[1], person_id=str(x))

    assert [(e["actor_name"], e["operation"]) for e in found] == [
        ("wei", "person.update"),
        ("huang", "person.list"),
        ("wei", "person.read"),
    ]
    update = found[0]
    assert update["changes"] == {
        "household_address": {"old": "[redacted]", "new": "[redacted]"},
        "id_number": {"old": "[redacted]", "new": None},
        "education": {"old": None, "new": "senior_high"},
    }
    assert (update["actor_subject"], update["actor_jurisdiction"], update["actor_roles"]) == (
        wei.subject,
        "dapu",
        ["staff"],
    )
    assert (update["outcome"], update["outcome_label_zh"]) == ("success", "成功")


async def test_what_user_u_did_newest_first_and_by_operation(registry, db, auditor):
    wei, huang = actor("wei"), actor("huang")
    x, y = uuid.uuid4(), uuid.uuid4()
    await record(db, wei, "person.read", x)
    await record(db, huang, "person.read", x)
    await record(db, wei, "person.export", x, y)
    await record(db, wei, "person.id_number.unmask", y, outcome="denied")

    everything = await events(registry, auditor[1], actor=wei.subject)
    assert [e["operation"] for e in everything] == ["person.id_number.unmask", "person.export", "person.read"]
    assert everything[0]["outcome"] == "denied"
    assert {e["actor_subject"] for e in everything} == {wei.subject}

    reads = await events(registry, auditor[1], actor=wei.subject, operation="person.read")
    assert [e["resource_ids"] for e in reads] == [[str(x)]]


async def test_what_happened_between_two_times(registry, db, auditor):
    wei = actor("wei")
    entries = []
    for operation in ("person.read", "person.update", "person.export"):
        entries.append(await record(db, wei, operation, uuid.uuid4()))
        await asyncio.sleep(0.005)  # distinct milliseconds, so the bounds fall between the events
    _, second, third = (entry.at.isoformat() for entry in entries)

    between = await events(registry, auditor[1], actor=wei.subject, since=second, until=third)
    assert [e["operation"] for e in between] == ["person.update"]
    since = await events(registry, auditor[1], actor=wei.subject, since=second)
    assert [e["operation"] for e in since] == ["person.export", "person.update"]
    until = await events(registry, auditor[1], actor=wei.subject, until=second)
    assert [e["operation"] for e in until] == ["person.read"]

    naive = await registry.get(URL, params={"since": "2026-11-01T00:00:00"}, headers=auditor[1])
    assert naive.status_code == 422


async def test_pages_follow_each_other_without_gaps_or_repeats(registry, db, auditor):
    wei = actor("wei")
    for i in range(5):
        await record(db, wei, f"person.op{i}", uuid.uuid4())

    paged = await pages(registry, URL, params={"actor": wei.subject, "limit": 2}, headers=auditor[1])
    for page in paged:
        assert len(page["items"]) <= 2
    assert [e["operation"] for page in paged for e in page["items"]] == [f"person.op{i}" for i in (4, 3, 2, 1, 0)]


async def test_reading_the_audit_trail_is_itself_audited(registry, db, auditor):
    subject, headers = auditor
    x = uuid.uuid4()
    await record(db, actor("wei"), "person.read", x)

    await events(registry, headers, person_id=str(x))

    mine = await events(registry, headers, actor=subject)
    assert [(e["operation"], e["resource_type"], e["outcome"]) for e in mine] == [
        ("audit.read", "audit_event", "success")
    ]
    assert mine[0]["resource_ids"] == [str(x)]
    assert mine[0]["actor_roles"] == ["auditor"] and mine[0]["request_id"]
    # So "who viewed person X" names the auditor too.
    assert subject in {e["actor_subject"] for e in await events(registry, headers, person_id=str(x))}


async def test_verify_says_ok_then_finds_the_event_that_was_changed(service_client, database_url, auditor):
    wei = actor("wei")
    async with committed_audit_rows(database_url("registry")) as committed:
        async with committed.sessionmaker() as writer:
            _, changed, _ = [await record(writer, wei, "person.read", uuid.uuid4()) for _ in range(3)]
            await writer.commit()
        await committed.seal()
        async with service_client("registry", create_app) as (registry, _session):
            ok = await registry.get(f"{URL}/verify", headers=auditor[1])
        assert ok.status_code == 200, ok.text
        body = ok.json()
        assert (body["ok"], body["first_bad_id"], body["unsealed"]) == (True, None, 0)
        assert body["checked"] == body["sealed"] >= 3 and body["sealed_up_to_id"] >= changed.id
        assert body["sealed_up_to_at"] is not None and body["oldest_unsealed_at"] is None

        # Outside any request's transaction: the superuser's ALTER TABLE would wait for it.
        await committed.tamper("UPDATE audit_log SET actor_name = 'nobody' WHERE id = :id", id=changed.id)

        async with service_client("registry", create_app) as (registry, _session):
            broken = await registry.get(f"{URL}/verify", headers=auditor[1])
            assert broken.status_code == 200
            assert (broken.json()["ok"], broken.json()["first_bad_id"]) == (False, changed.id)
            later = await registry.get(f"{URL}/verify", params={"since_id": changed.id + 1}, headers=auditor[1])
            assert later.json()["ok"] is True and later.json()["checked"] >= 1

            unknown = await registry.get(f"{URL}/verify", params={"since_id": 2**40}, headers=auditor[1])
            assert unknown.status_code == 404
            assert unknown.json()["code"] == "audit_event_not_sealed"

            verifications = await events(registry, auditor[1], actor=auditor[0], operation="audit.verify")
            assert [e["outcome"] for e in verifications] == ["not_found", "success", "success"]


async def test_an_event_is_listed_before_it_is_sealed(registry, db, auditor):
    wei = actor("wei")
    await record(db, wei, "person.read", uuid.uuid4())
    (event,) = await events(registry, auditor[1], actor=wei.subject)
    assert (event["seq"], event["prev_hash"], event["hash"]) == (None, None, None)


# --- Scope: a township auditor reads their own jurisdiction's trail only ---------------------------------------------


async def test_a_township_auditor_reads_only_events_of_their_jurisdiction(registry, db, make_token):
    dapu_person, dongquan_person, moved = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    wei = actor("wei")
    await record(db, wei, "person.read", dapu_person, jurisdictions=["dapu"])
    await record(db, wei, "person.read", dongquan_person, jurisdictions=["dongquan"])
    await record(db, wei, "person.transfer", moved, jurisdictions=["dapu", "dongquan"])
    await record(db, wei, "person.search_by_id_number")  # nobody found: no jurisdiction

    def auditor_of(jurisdiction: str | None) -> dict:
        department = "nco" if jurisdiction is None else "township"
        token = make_token(roles=["auditor"], department=department, jurisdiction=jurisdiction)
        return {"Authorization": f"Bearer {token}"}

    async def seen(headers: dict, **params) -> list[tuple]:
        return [
            (e["operation"], e["jurisdictions"]) for e in await events(registry, headers, actor=wei.subject, **params)
        ]

    assert await seen(auditor_of("dapu")) == [("person.transfer", ["dapu", "dongquan"]), ("person.read", ["dapu"])]
    assert await seen(auditor_of("dongquan")) == [
        ("person.transfer", ["dapu", "dongquan"]),
        ("person.read", ["dongquan"]),
    ]
    assert await seen(auditor_of("dapu"), person_id=str(dongquan_person)) == []
    assert await seen(auditor_of(None)) == [
        ("person.search_by_id_number", []),
        ("person.transfer", ["dapu", "dongquan"]),
        ("person.read", ["dongquan"]),
        ("person.read", ["dapu"]),
    ]


# Refused attempts are recorded in the request's own transaction, after its work is rolled back, and committed
# although the request fails: here that commit lands in the test's outer transaction, which the session sees.


async def rows_since(session, start: int) -> list:
    result = await session.execute(text("SELECT * FROM audit_log WHERE id > :start ORDER BY id"), {"start": start})
    return list(result.mappings().all())


async def test_a_token_without_audit_read_is_refused_and_the_attempt_recorded(service_client, make_token):
    x = uuid.uuid4()
    subject = f"staff-{uuid.uuid4()}"
    staff = {"Authorization": f"Bearer {make_token(roles=['staff'], sub=subject)}"}
    async with service_client("registry", create_app) as (registry, session):
        start = await last_audit_id(session)
        listing = await registry.get(URL, params={"person_id": str(x)}, headers=staff)
        verify = await registry.get(f"{URL}/verify", headers=staff)
        for response in (listing, verify):
            assert response.status_code == 403
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["code"] == "insufficient_scope"

        rows = await rows_since(session, start)
        assert [(r["actor_subject"], r["operation"], r["outcome"], r["resource_ids"]) for r in rows] == [
            (subject, "audit.read", "denied", [x]),
            (subject, "audit.verify", "denied", []),
        ]


async def test_an_invalid_cursor_is_refused_and_the_attempt_recorded(service_client, auditor):
    async with service_client("registry", create_app) as (registry, session):
        start = await last_audit_id(session)
        response = await registry.get(URL, params={"cursor": "not-a-cursor"}, headers=auditor[1])
        assert response.status_code == 400
        assert response.json()["code"] == "invalid_cursor"
        rows = await rows_since(session, start)
        assert [(r["actor_subject"], r["operation"], r["outcome"]) for r in rows] == [
            (auditor[0], "audit.read", "invalid")
        ]
