"""Moving a person between jurisdictions: proposed by the jurisdiction holding the person, accepted or rejected by the
receiving one, cancelled by the proposer; history on both sides, the person's record only where it is now."""

from datetime import date, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from tests.registry.transfers.conftest import DAPU, DONGQUAN, SHECHONG

TRANSFERS = "/api/v1/transfers"


async def test_accepting_moves_the_person_and_keeps_the_history_on_both_sides(
    registry, auth, person, propose, step, events, audit_rows
):
    pid = await person(801, residence_address="柳城县大埔镇旧址")
    measure = await registry.post(
        f"/api/v1/persons/{pid}/measures",
        json={"kind": "community_detox", "start_on": str(date.today() - timedelta(days=30))},
        headers=auth(**DAPU),
    )
    assert measure.status_code == 201
    etag_before = (await registry.get(f"/api/v1/persons/{pid}", headers=auth(**DAPU))).headers["ETag"]

    proposed = await propose(pid, new_residence_address="柳城县东泉镇新址", notes="已告知本人按时报到")
    assert proposed.status_code == 201, proposed.text
    transfer = proposed.json()
    assert proposed.headers["Location"] == f"{TRANSFERS}/{transfer['id']}"
    assert proposed.headers["ETag"] == '"1"'
    assert (transfer["status"], transfer["status_label_zh"]) == ("proposed", "待接收")
    assert (transfer["from_jurisdiction_code"], transfer["to_jurisdiction_code"]) == ("dapu", "dongquan")
    assert transfer["to_jurisdiction_name_zh"] == "东泉镇"

    # The receiving side sees what it needs to decide, not the record itself.
    assert (await registry.get(f"/api/v1/persons/{pid}", headers=auth(**DONGQUAN))).status_code == 404
    seen = (await registry.get(f"{TRANSFERS}/{transfer['id']}", headers=auth(**DONGQUAN))).json()
    assert seen["person_details_visible"] is True
    assert seen["person"] == {
        "name": "迁移801",
        "gender": "male",
        "gender_label_zh": "男",
        "birth_year": 1990,
        "current_measure": "community_detox",
        "current_measure_label_zh": "社区戒毒",
    }
    assert (seen["new_residence_address"], seen["notes"]) == ("柳城县东泉镇新址", "已告知本人按时报到")
    inbox = await registry.get(TRANSFERS, params={"direction": "in", "status": "proposed"}, headers=auth(**DONGQUAN))
    assert [t["id"] for t in inbox.json()["items"]] == [transfer["id"]]

    accepted = await step(transfer, "accept", auth(**DONGQUAN))
    assert accepted.status_code == 200, accepted.text
    assert accepted.headers["ETag"] == '"2"'
    done = accepted.json()
    assert (done["status"], done["status_label_zh"], done["version"]) == ("accepted", "已接收", 2)
    assert done["resolved_by"] and done["resolved_at"] and done["resolution_reason"] is None

    moved = await registry.get(f"/api/v1/persons/{pid}", headers=auth(**DONGQUAN))
    assert moved.status_code == 200
    assert moved.json()["jurisdiction_code"] == "dongquan"
    assert moved.json()["residence_address"] == "柳城县东泉镇新址"
    assert moved.headers["ETag"] != etag_before
    stale = await registry.patch(
        f"/api/v1/persons/{pid}", json={"education": "primary"}, headers={**auth(), "If-Match": etag_before}
    )
    assert stale.status_code == 412

    # The origin keeps the transfer, without the person.
    assert (await registry.get(f"/api/v1/persons/{pid}", headers=auth(**DAPU))).status_code == 404
    history = (await registry.get(f"{TRANSFERS}/{transfer['id']}", headers=auth(**DAPU))).json()
    assert history["status"] == "accepted"
    assert history["person_details_visible"] is False
    assert (history["person"], history["new_residence_address"], history["notes"]) == (None, None, None)
    out = await registry.get(TRANSFERS, params={"direction": "out"}, headers=auth(**DAPU))
    assert [t["id"] for t in out.json()["items"]] == [transfer["id"]]
    assert (await registry.get(f"/api/v1/persons/{pid}/transfers", headers=auth(**DAPU))).status_code == 404
    theirs = await registry.get(f"/api/v1/persons/{pid}/transfers", headers=auth(**DONGQUAN))
    assert [t["id"] for t in theirs.json()["items"]] == [transfer["id"]]

    person_events = await events(pid)
    assert [kind for kind, _ in person_events][-1] == "person.transferred"
    today = str(date.today())
    assert person_events[-1][1] == {
        "schema_version": 2,
        "person_id": pid,
        "jurisdiction_code": "dongquan",
        "status": "active",
        "registered_on": today,
        "gender": "male",
        "work_ability": "able",
        "work_ability_since": today,
        "archived_on": None,
        "archive_reason_code": None,
        "birth_year": 1990,
        "transfer_id": transfer["id"],
        "from_jurisdiction_code": "dapu",
        "to_jurisdiction_code": "dongquan",
        "effective_on": today,
        "version": moved.json()["version"],
    }
    transfer_events = await events(transfer["id"])
    assert [kind for kind, _ in transfer_events] == ["transfer.proposed", "transfer.accepted"]
    assert set(transfer_events[0][1]) == {
        "schema_version",
        "transfer_id",
        "person_id",
        "jurisdiction_code",
        "from_jurisdiction_code",
        "to_jurisdiction_code",
        "status",
        "effective_on",
        "version",
    }
    assert transfer_events[1][1]["effective_on"] == today and transfer_events[0][1]["effective_on"] is None
    for secret in ("迁移801", "新址", "旧址", "报到", "迁居"):
        assert secret not in str(person_events + transfer_events)

    trail = await audit_rows(pid)
    operations = [(op, kind, outcome) for op, kind, outcome, _ in trail]
    assert ("transfer.propose", "person_transfer", "success") in operations
    assert ("transfer.read", "person_transfer", "success") in operations
    assert ("transfer.accept", "person_transfer", "success") in operations
    (move,) = [changes for op, _, _, changes in trail if op == "person.transfer"]
    assert move == {
        "jurisdiction_code": {"old": "dapu", "new": "dongquan"},
        "residence_address": {"old": "[redacted]", "new": "[redacted]"},
    }
    (accept,) = [changes for op, _, _, changes in trail if op == "transfer.accept"]
    assert accept["status"] == {"old": "proposed", "new": "accepted"}
    assert accept["person.residence_address"] == {"old": "[redacted]", "new": "[redacted]"}
    assert "新址" not in str(trail) and "报到" not in str(trail)


async def test_rejection_needs_a_reason_and_if_match_and_leaves_the_person_where_it_is(
    registry, auth, person, propose, step, events
):
    pid = await person(803)
    transfer = (await propose(pid)).json()
    no_reason = await step(transfer, "reject", auth(**DONGQUAN), body={})
    no_if_match = await step(transfer, "reject", auth(**DONGQUAN), if_match=None)
    stale = await step(transfer, "reject", auth(**DONGQUAN), if_match=7)
    assert (no_reason.status_code, no_if_match.status_code, stale.status_code) == (422, 428, 412)
    assert no_if_match.json()["code"] == "precondition_required"
    assert stale.headers["content-type"] == "application/problem+json"
    assert [kind for kind, _ in await events(transfer["id"])] == ["transfer.proposed"]

    rejected = await step(transfer, "reject", auth(**DONGQUAN))
    assert rejected.status_code == 200, rejected.text
    assert (rejected.json()["status"], rejected.json()["resolution_reason"]) == ("rejected", "经核实本人未在本镇居住")
    # Closed: the receiving side keeps the record of it, not the person's details.
    theirs = (await registry.get(f"{TRANSFERS}/{transfer['id']}", headers=auth(**DONGQUAN))).json()
    assert (theirs["status"], theirs["person"], theirs["person_details_visible"]) == ("rejected", None, False)
    ours = (await registry.get(f"{TRANSFERS}/{transfer['id']}", headers=auth(**DAPU))).json()
    assert ours["person"]["name"] == "迁移803"
    assert (await registry.get(f"/api/v1/persons/{pid}", headers=auth(**DAPU))).json()["jurisdiction_code"] == "dapu"
    again = await step(rejected.json(), "accept", auth(**DONGQUAN))
    assert again.status_code == 409 and again.json()["code"] == "transfer_not_open"
    # Once closed, a new transfer may be proposed.
    assert (await propose(pid, to="shapu")).status_code == 201


async def test_only_the_proposing_side_cancels_and_only_the_receiving_side_decides(
    registry, auth, person, propose, step, events
):
    pid = await person(805)
    transfer = (await propose(pid)).json()
    by_receiver = await step(transfer, "cancel", auth(**DONGQUAN))
    by_proposer_accept = await step(transfer, "accept", auth(**DAPU))
    by_proposer_reject = await step(transfer, "reject", auth(**DAPU))
    assert [r.status_code for r in (by_receiver, by_proposer_accept, by_proposer_reject)] == [403, 403, 403]
    assert by_receiver.json()["code"] == "not_your_side_of_transfer"
    cancelled = await step(transfer, "cancel", auth(**DAPU))
    assert cancelled.status_code == 200, cancelled.text
    assert (cancelled.json()["status"], cancelled.json()["resolution_reason"]) == ("cancelled", None)
    late = await step(cancelled.json(), "accept", auth(**DONGQUAN))
    assert late.status_code == 409
    assert [kind for kind, _ in await events(transfer["id"])] == ["transfer.proposed", "transfer.cancelled"]
    with_reason = (await propose(pid)).json()
    withdrawn = await step(with_reason, "cancel", auth(), body={"reason": "本人不再迁居"})
    assert withdrawn.json()["resolution_reason"] == "本人不再迁居"


async def test_at_most_one_open_transfer_per_person_in_the_api_and_the_database(registry, db, person, propose):
    pid = await person(807)
    first = await propose(pid)
    assert first.status_code == 201
    second = await propose(pid, to="shapu")
    assert second.status_code == 409
    assert second.json()["code"] == "transfer_already_open" and first.json()["id"] in second.json()["detail"]
    with pytest.raises(IntegrityError, match="uq_person_transfer_open"):
        async with db.begin_nested():
            await db.execute(
                text(
                    "INSERT INTO person_transfer (id, person_id, from_jurisdiction_code, to_jurisdiction_code, reason, "
                    "proposed_by) VALUES (gen_random_uuid(), CAST(:pid AS uuid), 'dapu', 'shapu', 'x', 'test')"
                ),
                {"pid": pid},
            )


async def test_the_database_closes_a_transfer_once_and_never_rewrites_or_deletes_it(db, auth, person, propose, step):
    open_one = (await propose(await person(817))).json()
    closed = (await propose(await person(819))).json()
    assert (await step(closed, "cancel", auth(**DAPU))).status_code == 200
    refused = [
        ("UPDATE person_transfer SET reason = 'changed' WHERE id = CAST(:id AS uuid)", open_one["id"]),
        (
            "UPDATE person_transfer SET status = 'proposed', resolved_at = NULL, resolved_by = NULL "
            "WHERE id = CAST(:id AS uuid)",
            closed["id"],
        ),
        ("UPDATE person_transfer SET resolution_reason = 'x' WHERE id = CAST(:id AS uuid)", closed["id"]),
        ("DELETE FROM person_transfer WHERE id = CAST(:id AS uuid)", closed["id"]),
    ]
    for statement, transfer_id in refused:
        with pytest.raises(DBAPIError, match="never rewritten"):
            async with db.begin_nested():
                await db.execute(text(statement), {"id": transfer_id})


async def test_refused_proposals_write_nothing(registry, db, auth, person, propose, events):
    pid = await person(809)
    archived = await person(811)
    assert (
        await registry.post(f"/api/v1/persons/{archived}/archive", json={"reason": "死亡"}, headers=auth(**DAPU))
    ).status_code == 200
    elsewhere = await person(813, jurisdiction_code="shechong")
    cases = [
        (await propose(pid, to="dapu"), 422, "validation_error"),
        (await propose(pid, to="atlantis"), 422, "validation_error"),
        (await propose(pid, reason=""), 422, "validation_error"),
        (await propose(pid, jurisdiction_code="shapu"), 422, "validation_error"),
        (await propose(archived), 409, "person_archived"),
        (await propose(elsewhere), 404, "person_not_found"),
        (await propose("00000000-0000-0000-0000-000000000000"), 404, "person_not_found"),
    ]
    for response, status, code in cases:
        assert (response.status_code, response.json()["code"]) == (status, code), response.text
        assert response.headers["content-type"] == "application/problem+json"
    same = cases[0][0].json()
    assert same["errors"] == [
        {"field": "body.to_jurisdiction_code", "message": "the person is already registered in this jurisdiction"}
    ]
    assert (await db.execute(text("SELECT count(*) FROM person_transfer"))).scalar_one() == 0
    for who in (pid, archived, elsewhere):
        assert all(not kind.startswith("transfer.") for kind, _ in await events(who))


async def test_a_retried_proposal_with_the_same_key_is_proposed_once(registry, db, auth, person, propose):
    pid = await person(815)
    headers = {**auth(**DAPU), "Idempotency-Key": "transfer-815"}
    first = await propose(pid, headers=headers)
    retry = await propose(pid, headers=headers)
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json()["id"] == first.json()["id"]
    assert retry.headers["Idempotent-Replayed"] == "true" and retry.headers["ETag"] == '"1"'
    other_body = await propose(pid, to="shapu", headers=headers)
    assert other_body.status_code == 422 and other_body.json()["code"] == "idempotency_key_reused"
    count = await db.execute(
        text("SELECT count(*) FROM person_transfer WHERE person_id = CAST(:p AS uuid)"), {"p": pid}
    )
    assert count.scalar_one() == 1


async def test_lists_filter_by_status_and_direction_in_cursor_pages(registry, auth, person, propose, step):
    out_ids = []
    for seq in (821, 823, 825):
        out_ids.append((await propose(await person(seq))).json()["id"])
    incoming = (await propose(await person(827, jurisdiction_code="shapu"), to="dapu", headers=auth())).json()
    cancelled = (await propose(await person(829))).json()
    assert (await step(cancelled, "cancel", auth(**DAPU))).status_code == 200
    unrelated = (await propose(await person(831, jurisdiction_code="shapu"), to="mashan", headers=auth())).json()

    def ids(response) -> list[str]:
        assert response.status_code == 200, response.text
        return [t["id"] for t in response.json()["items"]]

    dapu = auth(**DAPU)
    everything = ids(await registry.get(TRANSFERS, headers=dapu))
    assert everything == [cancelled["id"], incoming["id"], *reversed(out_ids)]
    assert unrelated["id"] not in everything
    assert ids(await registry.get(TRANSFERS, params={"direction": "in"}, headers=dapu)) == [incoming["id"]]
    open_out = await registry.get(TRANSFERS, params={"direction": "out", "status": "proposed"}, headers=dapu)
    assert ids(open_out) == list(reversed(out_ids))
    assert ids(await registry.get(TRANSFERS, params={"status": "cancelled"}, headers=dapu)) == [cancelled["id"]]
    page1 = await registry.get(TRANSFERS, params={"limit": 2}, headers=dapu)
    page2 = await registry.get(TRANSFERS, params={"limit": 2, "cursor": page1.json()["next_cursor"]}, headers=dapu)
    page3 = await registry.get(TRANSFERS, params={"limit": 2, "cursor": page2.json()["next_cursor"]}, headers=dapu)
    assert ids(page1) + ids(page2) + ids(page3) == everything and page3.json()["next_cursor"] is None
    # Naming another jurisdiction never widens a township's view: only transfers Dapu is a party to.
    shapu_out = await registry.get(TRANSFERS, params={"jurisdiction_code": "shapu", "direction": "out"}, headers=dapu)
    assert ids(shapu_out) == [incoming["id"]]
    # County-wide callers name the jurisdiction a direction refers to.
    county = await registry.get(TRANSFERS, params={"jurisdiction_code": "shapu", "direction": "out"}, headers=auth())
    assert ids(county) == [unrelated["id"], incoming["id"]]
    vague = await registry.get(TRANSFERS, params={"direction": "in"}, headers=auth())
    assert vague.status_code == 422 and vague.json()["errors"][0]["field"] == "query.jurisdiction_code"
    bad = await registry.get(TRANSFERS, params={"status": "open"}, headers=dapu)
    assert bad.status_code == 422
    garbage = await registry.get(TRANSFERS, params={"cursor": "!!"}, headers=dapu)
    assert garbage.status_code == 400 and garbage.json()["code"] == "invalid_cursor"
    # A jurisdiction that is no party sees none of it.
    assert ids(await registry.get(TRANSFERS, headers=auth(**SHECHONG))) == []
    assert (await registry.get(f"{TRANSFERS}/{incoming['id']}", headers=auth(**SHECHONG))).status_code == 404


async def test_the_holder_sees_the_whole_transfer_history_of_the_person(registry, auth, person, propose, step):
    pid = await person(833)
    first = (await propose(pid)).json()
    assert (await step(first, "accept", auth(**DONGQUAN))).status_code == 200
    second = (await propose(pid, to="shechong", headers=auth(**DONGQUAN))).json()
    assert second["from_jurisdiction_code"] == "dongquan"
    assert (await step(second, "accept", auth(**SHECHONG))).status_code == 200
    history = await registry.get(f"/api/v1/persons/{pid}/transfers", headers=auth(**SHECHONG))
    assert [t["id"] for t in history.json()["items"]] == [second["id"], first["id"]]
    assert all(t["person"]["name"] == "迁移833" for t in history.json()["items"])
    # Dongquan received the person and passed them on: both transfers are its history, the person is not its own.
    dongquan = (await registry.get(TRANSFERS, headers=auth(**DONGQUAN))).json()["items"]
    assert [(t["id"], t["person"]) for t in dongquan] == [(second["id"], None), (first["id"], None)]
    assert (await registry.get(f"{TRANSFERS}/{first['id']}", headers=auth(**DAPU))).json()["person"] is None
