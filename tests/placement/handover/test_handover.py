"""The pending-placement list of people released from facilities (无缝对接): opened from the registry's feed, days
waiting, closed by placement or with a coded reason; jurisdiction isolation, department policy, events, audit."""

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import text

from placement.handover import service
from tests.placement.registry_feed.feed import catch_up

URL = "/api/v1/handovers"
PROBLEM = "application/problem+json"


def released(feed, *, days_ago: int = 10, jurisdiction_code: str = "dapu", **person):
    """A person whose compulsory isolation ended at term `days_ago` days ago; their id."""
    pid = feed.person(jurisdiction_code=jurisdiction_code, **person)
    feed.isolation(pid, began_days_ago=days_ago + 700, ended_days_ago=days_ago)
    return pid


async def pending(client, headers, **params) -> list[dict]:
    response = await client.get(URL, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def events_of(db, kind_prefix: str) -> list[tuple[str, dict]]:
    rows = await db.execute(
        text("SELECT kind, data FROM outbox_event WHERE kind LIKE :k ORDER BY id"), {"k": f"{kind_prefix}%"}
    )
    return [(r.kind, r.data) for r in rows]


async def test_a_release_from_compulsory_isolation_puts_the_person_on_the_list_with_days_waiting(
    client, db, feed, auth
):
    pid = released(feed, days_ago=12)
    await catch_up(db, feed)

    items = await pending(client, auth())

    assert len(items) == 1
    entry = items[0]
    assert entry["person_id"] == str(pid)
    assert (entry["status"], entry["status_label_zh"]) == ("pending", "待安置")
    assert (entry["source"], entry["source_label_zh"]) == ("isolation_release", "解除强制隔离戒毒")
    assert entry["released_on"] == str(date.today() - timedelta(days=12))
    assert entry["days_waiting"] == 12
    assert (entry["jurisdiction_code"], entry["jurisdiction_name_zh"]) == ("dapu", "大埔镇")
    assert await events_of(db, "handover.") == [
        (
            "handover.opened",
            {
                "handover_id": entry["id"],
                "person_id": str(pid),
                "jurisdiction_code": "dapu",
                "released_on": entry["released_on"],
                "source": "isolation_release",
            },
        )
    ]


async def test_longest_waiting_comes_first_and_pages_are_bounded(client, db, feed, auth):
    ids = [released(feed, days_ago=d) for d in (3, 40, 20)]
    await catch_up(db, feed)
    first = (await client.get(URL, params={"limit": 2}, headers=auth())).json()
    second = (await client.get(URL, params={"limit": 2, "cursor": first["next_cursor"]}, headers=auth())).json()
    assert [i["days_waiting"] for i in first["items"] + second["items"]] == [40, 20, 3]
    assert second["next_cursor"] is None
    assert {i["person_id"] for i in first["items"] + second["items"]} == {str(i) for i in ids}


async def test_community_rehabilitation_after_the_isolation_is_the_same_release(client, db, feed, auth):
    pid = released(feed, days_ago=10)
    feed.measure(pid, "community_rehabilitation", date.today() - timedelta(days=10))
    only_rehab = feed.person()
    feed.measure(only_rehab, "community_rehabilitation", date.today() - timedelta(days=4))
    await catch_up(db, feed)

    items = await pending(client, auth())

    assert sorted((i["person_id"], i["source"]) for i in items) == sorted(
        [(str(pid), "isolation_release"), (str(only_rehab), "community_rehabilitation_start")]
    )


async def test_what_does_not_signal_a_release_opens_nothing(client, db, feed, auth):
    escaped = feed.person()
    feed.isolation(escaped, began_days_ago=300, ended_days_ago=2, end_reason="death")
    detox = feed.person()
    feed.measure(detox, "community_detox", date.today() - timedelta(days=30))
    released(feed, days_ago=400)  # history typed in late: nobody is waiting from then
    await catch_up(db, feed)
    assert await pending(client, auth()) == []


async def test_readmission_and_archiving_close_the_entry_by_themselves(client, db, feed, auth):
    readmitted = released(feed, days_ago=30)
    archived = released(feed, days_ago=30)
    await catch_up(db, feed)
    feed.measure(readmitted, "custody", date.today() - timedelta(days=2))
    feed.person(archived, kind="person.archived", status="archived", version=2)
    await catch_up(db, feed)

    assert await pending(client, auth()) == []
    closed = {i["person_id"]: i for i in await pending(client, auth(), status="closed")}
    assert closed[str(readmitted)]["close_reason"] == "readmitted"
    assert closed[str(readmitted)]["closed_on"] == str(date.today() - timedelta(days=2))
    assert closed[str(readmitted)]["days_waiting"] == 28
    assert (closed[str(archived)]["close_reason"], closed[str(archived)]["close_reason_label_zh"]) == (
        "record_archived",
        "档案已注销",
    )


async def test_township_staff_see_only_their_own_people_and_others_are_404(client, db, feed, auth):
    own = released(feed, jurisdiction_code="dapu")
    other = released(feed, jurisdiction_code="shapu")
    await catch_up(db, feed)
    township = auth(department="township", jurisdiction="dapu")

    items = await pending(client, township)
    assert [i["person_id"] for i in items] == [str(own)]
    assert await pending(client, township, jurisdiction_code="shapu") == []
    other_entry = (await pending(client, auth(), person_id=str(other)))[0]
    for response in (
        await client.get(f"{URL}/{other_entry['id']}", headers=township),
        await client.post(
            f"{URL}/{other_entry['id']}/close",
            json={"reason": "declined", "closed_on": str(date.today())},
            headers=township | {"If-Match": '"1"'},
        ),
    ):
        assert response.status_code == 404
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["code"] == "handover_not_found"


async def test_closing_needs_if_match_a_valid_reason_and_happens_once(client, db, feed, auth):
    released(feed, days_ago=10)
    await catch_up(db, feed)
    entry = (await pending(client, auth()))[0]
    url = f"{URL}/{entry['id']}/close"
    body = {"reason": "flexible_employment", "closed_on": str(date.today() - timedelta(days=1))}

    detail = await client.get(f"{URL}/{entry['id']}", headers=auth())
    assert detail.headers["etag"] == '"1"'
    assert (await client.post(url, json=body, headers=auth())).status_code == 428
    assert (await client.post(url, json=body, headers=auth() | {"If-Match": '"9"'})).status_code == 412
    for bad, field in [
        ({"reason": "placed", "closed_on": str(date.today())}, "body.reason"),
        ({"reason": "other", "closed_on": str(date.today())}, "body.note"),
        ({"reason": "declined", "closed_on": str(date.today() + timedelta(days=1))}, "body.closed_on"),
        ({"reason": "declined", "closed_on": str(date.today() - timedelta(days=11))}, "body.closed_on"),
        ({**body, "status": "closed"}, "body.status"),
    ]:
        response = await client.post(url, json=bad, headers=auth() | {"If-Match": '"1"'})
        assert response.status_code == 422, bad
        assert response.headers["content-type"] == PROBLEM
        assert field in [e["field"] for e in response.json()["errors"]], bad
    assert (await pending(client, auth()))[0]["status"] == "pending"

    closed = await client.post(url, json=body, headers=auth() | {"If-Match": '"1"'})
    assert closed.status_code == 200, closed.text
    assert closed.headers["etag"] == '"2"'
    assert (closed.json()["status"], closed.json()["close_reason_label_zh"], closed.json()["days_waiting"]) == (
        "closed",
        "灵活就业",
        9,
    )
    again = await client.post(url, json=body, headers=auth() | {"If-Match": '"2"'})
    assert (again.status_code, again.json()["code"]) == (409, "handover_already_closed")
    assert [k for k, _ in await events_of(db, "handover.")] == ["handover.opened", "handover.closed"]


async def test_close_on_placement_closes_the_pending_entry_naming_the_placement(client, db, feed, auth):
    pid = released(feed, days_ago=5)
    await catch_up(db, feed)
    placement_id = uuid.uuid4()

    closed = await service.close_on_placement(db, pid, placement_id)
    again = await service.close_on_placement(db, pid, uuid.uuid4())
    nobody = await service.close_on_placement(db, uuid.uuid4(), placement_id)

    assert [(h.status, h.close_reason, h.placement_id, h.closed_on) for h in closed] == [
        ("placed", "placed", placement_id, date.today())
    ]
    assert again == [] and nobody == []
    entry = (await pending(client, auth(), status="placed"))[0]
    assert (entry["placement_id"], entry["close_reason_label_zh"], entry["days_waiting"]) == (
        str(placement_id),
        "已安置就业",
        5,
    )
    kinds = await events_of(db, "handover.closed")
    assert kinds[-1][1]["placement_id"] == str(placement_id)
    assert kinds[-1][1]["close_reason"] == "placed"


async def test_reads_and_closes_are_audited_with_the_people_concerned(client, db, feed, auth):
    pid = released(feed)
    await catch_up(db, feed)
    entry = (await pending(client, auth()))[0]
    await client.get(f"{URL}/{entry['id']}", headers=auth())
    await client.post(
        f"{URL}/{entry['id']}/close",
        json={"reason": "declined", "closed_on": str(date.today())},
        headers=auth() | {"If-Match": '"1"'},
    )
    await client.get(f"{URL}/{entry['id']}", headers=auth(department="township", jurisdiction="shapu"))
    rows = (
        await db.execute(
            text(
                "SELECT operation, outcome, actor_kind FROM audit_log WHERE CAST(:pid AS uuid) = ANY(resource_ids) "
                "ORDER BY id"
            ),
            {"pid": str(pid)},
        )
    ).all()
    assert [tuple(r) for r in rows] == [
        ("handover.open", "success", "system"),
        ("handover.list", "success", "user"),
        ("handover.read", "success", "user"),
        ("handover.close", "success", "user"),
    ]
    refused = (
        await db.execute(
            text("SELECT outcome FROM audit_log WHERE operation = 'handover.read' ORDER BY id DESC LIMIT 1")
        )
    ).scalar_one()
    assert refused == "not_found"


# department -> (list, close)
MATRIX = {
    "nco": (200, 200),
    "township": (200, 200),
    "human_resources": (200, 200),
    "justice": (200, 403),
    "police": (403, 403),
    "finance": (403, 403),
    "civil_affairs": (403, 403),
}


@pytest.mark.parametrize(("department", "expected"), MATRIX.items())
async def test_department_matrix(client, db, feed, auth, department, expected):
    released(feed)
    await catch_up(db, feed)
    entry = (await pending(client, auth()))[0]
    headers = auth(department=department, jurisdiction="dapu" if department == "township" else None)
    listed = await client.get(URL, headers=headers)
    close = await client.post(
        f"{URL}/{entry['id']}/close",
        json={"reason": "declined", "closed_on": str(date.today())},
        headers=headers | {"If-Match": '"1"'},
    )
    assert (listed.status_code, close.status_code) == expected
    if expected[0] == 403:
        assert listed.json()["code"] == "no_handover_access"


async def test_a_viewer_may_list_but_not_close_and_a_service_client_may_list(client, db, feed, auth, make_token):
    released(feed)
    await catch_up(db, feed)
    entry = (await pending(client, auth()))[0]
    viewer = auth(roles=["viewer"])
    assert (await client.get(URL, headers=viewer)).status_code == 200
    close = await client.post(
        f"{URL}/{entry['id']}/close",
        json={"reason": "declined", "closed_on": str(date.today())},
        headers=viewer | {"If-Match": '"1"'},
    )
    assert close.status_code == 403
    service_token = make_token(roles=["service"], kind="client", department="it", scopes=["placement:read"])
    response = await client.get(URL, headers={"Authorization": f"Bearer {service_token}"})
    assert response.status_code == 200 and len(response.json()["items"]) == 1
