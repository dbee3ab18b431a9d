"""Accepting and cancelling one transfer at the same moment: exactly one wins, and the person ends up where the
winner says. The requests commit for real (separate connections from the app's pool), so this test cleans up."""

import asyncio
from datetime import date

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from registry.config import Settings
from registry.main import create_app
from tests.registry.audit.helpers import committed_audit_rows
from tests.registry.persons.conftest import id_number


async def _waiting_on_locks(conn) -> int:
    waiting = await conn.scalar(
        text(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
    )
    # Statistics views are read once per transaction: end it, or the next poll sees the same numbers.
    await conn.rollback()
    return waiting


async def test_accept_and_cancel_at_once_exactly_one_wins(database_url, jwks_fetcher, make_token):
    url = database_url("registry")
    app = create_app(Settings(database_url=url, environment="test", log_json=False), jwks_fetcher=jwks_fetcher)

    def headers(department: str, jurisdiction: str | None, **extra) -> dict:
        token = make_token(roles=["staff"], department=department, jurisdiction=jurisdiction)
        return {"Authorization": f"Bearer {token}", **extra}

    engine = create_async_engine(url)
    person_id = transfer_id = None
    try:
        async with committed_audit_rows(url), app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
                body = {
                    "name": "并发迁移",
                    "id_number": id_number(date(1988, 8, 8), 861),
                    "work_ability": "able",
                    "confirm_not_duplicate": True,
                }
                created = await client.post("/api/v1/persons", json=body, headers=headers("township", "dapu"))
                assert created.status_code == 201, created.text
                person_id = created.json()["id"]
                proposal = {"person_id": person_id, "to_jurisdiction_code": "dongquan", "reason": "迁居"}
                proposed = await client.post("/api/v1/transfers", json=proposal, headers=headers("township", "dapu"))
                assert proposed.status_code == 201, proposed.text
                transfer_id = proposed.json()["id"]
                base = f"/api/v1/transfers/{transfer_id}"

                # Hold the transfer's row so both requests have read it and queue behind the same lock.
                async with engine.connect() as blocker, engine.connect() as watcher:
                    await blocker.begin()
                    await blocker.execute(
                        text("SELECT 1 FROM person_transfer WHERE id = CAST(:id AS uuid) FOR UPDATE"),
                        {"id": transfer_id},
                    )
                    accept = asyncio.create_task(
                        client.post(f"{base}/accept", headers=headers("township", "dongquan", **{"If-Match": '"1"'}))
                    )
                    cancel = asyncio.create_task(
                        client.post(f"{base}/cancel", headers=headers("township", "dapu", **{"If-Match": '"1"'}))
                    )
                    for _ in range(1000):
                        if await _waiting_on_locks(watcher) >= 2:
                            break
                        await asyncio.sleep(0.01)
                    else:
                        raise AssertionError("the two requests never waited on the transfer's row together")
                    await blocker.rollback()
                accepted, cancelled = await accept, await cancel

            statuses = sorted([accepted.status_code, cancelled.status_code])
            assert statuses == [200, 412], (accepted.text, cancelled.text)
            loser = cancelled if accepted.status_code == 200 else accepted
            assert loser.json()["code"] == "precondition_failed"
            winner_status = "accepted" if accepted.status_code == 200 else "cancelled"
            async with engine.connect() as conn:
                status = await conn.scalar(
                    text("SELECT status FROM person_transfer WHERE id = CAST(:id AS uuid)"), {"id": transfer_id}
                )
                where = await conn.scalar(
                    text("SELECT jurisdiction_code FROM person WHERE id = CAST(:id AS uuid)"), {"id": person_id}
                )
                kinds = (
                    await conn.scalars(
                        text("SELECT kind FROM outbox_event WHERE aggregate_id = CAST(:id AS uuid) ORDER BY id"),
                        {"id": transfer_id},
                    )
                ).all()
            assert status == winner_status
            assert where == ("dongquan" if winner_status == "accepted" else "dapu")
            assert kinds == ["transfer.proposed", f"transfer.{winner_status}"]
    finally:
        async with engine.begin() as conn:
            ids = [i for i in (person_id, transfer_id) if i]
            for statement in (
                "DELETE FROM outbox_event WHERE aggregate_id = ANY(CAST(:ids AS uuid[]))",
                "ALTER TABLE person_transfer DISABLE TRIGGER person_transfer_close_once",
                "DELETE FROM person_transfer WHERE person_id = ANY(CAST(:ids AS uuid[]))",
                "ALTER TABLE person_transfer ENABLE TRIGGER person_transfer_close_once",
                "ALTER TABLE work_ability_change DISABLE TRIGGER work_ability_change_no_update_delete",
                "DELETE FROM work_ability_change WHERE person_id = ANY(CAST(:ids AS uuid[]))",
                "ALTER TABLE work_ability_change ENABLE TRIGGER work_ability_change_no_update_delete",
                "DELETE FROM person WHERE id = ANY(CAST(:ids AS uuid[]))",
            ):
                await conn.execute(text(statement), {"ids": ids})
        await engine.dispose()
