"""The budget and the one payment hold under concurrent requests. These run the app on real, committed sessions (each
request its own connection and transaction, as in production), on a year of their own, and delete what they made
(the audit trail is append-only and keeps its entries)."""

from __future__ import annotations

import asyncio
import json
import random
import uuid
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from subsidy.main import create_app
from tests.subsidy.conftest import APPLICATIONS, subsidy_settings


@pytest.fixture
async def live(database_url, jwks_fetcher, make_token):
    url = database_url("subsidy")
    year = random.randint(2040, 2099)
    engine = create_async_engine(url)
    app = create_app(subsidy_settings(database_url), jwks_fetcher=jwks_fetcher)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client, engine, year, make_token
    async with engine.begin() as conn:
        apps = "SELECT id FROM subsidy_application WHERE year = :y"
        decisions = "SELECT id FROM subsidy_decision WHERE year = :y"
        await conn.execute(
            text(
                f"DELETE FROM outbox_event WHERE aggregate_id IN ({apps}) OR aggregate_id IN ({decisions}) "
                "OR aggregate_id IN (SELECT id FROM subsidy_payment WHERE year = :y)"
            ),
            {"y": year},
        )
        await conn.execute(text("DELETE FROM subsidy_payment WHERE year = :y"), {"y": year})
        await conn.execute(text(f"DELETE FROM subsidy_application_step WHERE application_id IN ({apps})"), {"y": year})
        await conn.execute(text("DELETE FROM subsidy_application WHERE year = :y"), {"y": year})
        await conn.execute(text("DELETE FROM subsidy_decision WHERE year = :y"), {"y": year})
        await conn.execute(text("DELETE FROM subsidy_budget WHERE year = :y"), {"y": year})
        await conn.execute(text("DELETE FROM subsidy_policy WHERE year = :y"), {"y": year})
    await engine.dispose()


async def seed(engine, year: int, *, applications: int, amount: str, budget: str, status: str) -> list[str]:
    """A published policy, one decision per employer and an application of each at `status`, with the earlier
    steps taken by other people; and the year's budget."""
    policy_id = uuid.uuid4()
    ids = []
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO subsidy_policy (id, year, version, title, effective_from, effective_to, status, rules, "
                "created_by, published_at, published_by, row_version) VALUES (:id, :y, 1, 'concurrency', "
                "make_date(:y, 1, 1), make_date(:y, 12, 31), 'published', CAST(:rules AS jsonb), 'seed', now(), "
                "'seed', 1)"
            ),
            {"id": policy_id, "y": year, "rules": json.dumps({"tax_reduction": {"type": "tax_reduction"}})},
        )
        committed = Decimal(amount) * applications if status in ("approved",) else Decimal(0)
        await conn.execute(
            text(
                "INSERT INTO subsidy_budget (year, subsidy_type, amount, committed, paid, set_by, row_version) "
                "VALUES (:y, 'enterprise_placement', :amount, :committed, 0, 'seed', 1)"
            ),
            {"y": year, "amount": Decimal(budget), "committed": committed},
        )
        for _ in range(applications):
            decision_id, application_id, employer_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
            await conn.execute(
                text(
                    "INSERT INTO subsidy_decision (id, year, subsidy_type, beneficiary_kind, beneficiary_id, "
                    "jurisdiction_code, version, is_current, policy_id, policy_version, qualifying_count, amount, "
                    "evidence, evidence_hash, decided_by) VALUES (:d, :y, 'enterprise_placement', 'employer', :e, "
                    "'dapu', 1, true, :p, 1, 3, :amount, '{}'::jsonb, 'seed', 'seed')"
                ),
                {"d": decision_id, "y": year, "e": employer_id, "p": policy_id, "amount": Decimal(amount)},
            )
            await conn.execute(
                text(
                    "INSERT INTO subsidy_application (id, decision_id, decision_version, year, subsidy_type, "
                    "beneficiary_kind, beneficiary_id, jurisdiction_code, amount, status, submitted_by, row_version) "
                    "VALUES (:a, :d, 1, :y, 'enterprise_placement', 'employer', :e, 'dapu', :amount, :s, 'clerk', 4)"
                ),
                {
                    "a": application_id,
                    "d": decision_id,
                    "y": year,
                    "e": employer_id,
                    "amount": Decimal(amount),
                    "s": status,
                },
            )
            history = [("submit", None, "submitted", "applicant", "clerk"),
                       ("township_approve", "submitted", "township_reviewed", "township_review", "reviewer"),
                       ("nco_approve", "township_reviewed", "nco_reviewed", "nco_review", "nco")]  # fmt: skip
            if status == "approved":
                history.append(("finance_approve", "nco_reviewed", "approved", "finance_approval", "approver"))
            for seq, (action, before, after, duty, who) in enumerate(history, start=1):
                await conn.execute(
                    text(
                        "INSERT INTO subsidy_application_step (application_id, seq, action, status_before, "
                        "status_after, duty, actor_subject, actor_kind, actor_name) "
                        "VALUES (:a, :seq, :action, :before, :after, :duty, :who, 'user', :who)"
                    ),
                    {"a": application_id, "seq": seq, "action": action, "before": before, "after": after,
                     "duty": duty, "who": who},
                )  # fmt: skip
            ids.append(str(application_id))
    return ids


def finance(make_token, name: str) -> dict:
    return {"Authorization": f"Bearer {make_token(roles=['staff'], department='finance', sub=name)}"}


async def budget_row(engine, year: int):
    async with engine.connect() as conn:
        return (
            await conn.execute(text("SELECT amount, committed, paid FROM subsidy_budget WHERE year = :y"), {"y": year})
        ).one()


async def test_parallel_approvals_never_commit_more_than_the_budget(live):
    client, engine, year, make_token = live
    ids = await seed(engine, year, applications=8, amount="10000.00", budget="35000.00", status="nco_reviewed")
    approver = finance(make_token, "approver-budget")

    responses = await asyncio.gather(
        *(client.post(f"{APPLICATIONS}/{i}/steps", json={"action": "finance_approve"}, headers=approver) for i in ids)
    )

    codes = sorted(r.status_code for r in responses)
    assert codes == [200, 200, 200, 409, 409, 409, 409, 409], [r.text for r in responses]
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"budget_exceeded"}
    amount, committed, paid = await budget_row(engine, year)
    assert (amount, committed, paid) == (Decimal("35000.00"), Decimal("30000.00"), Decimal("0.00"))
    async with engine.connect() as conn:
        approved = await conn.scalar(
            text("SELECT count(*) FROM subsidy_application WHERE year = :y AND status = 'approved'"), {"y": year}
        )
    assert approved == 3


@pytest.mark.parametrize("with_key", [False, True])
async def test_parallel_and_repeated_payments_pay_exactly_once(live, with_key):
    client, engine, year, make_token = live
    (application_id,) = await seed(
        engine, year, applications=1, amount="20000.00", budget="50000.00", status="approved"
    )
    cashier = finance(make_token, "cashier-once")
    headers = cashier | ({"Idempotency-Key": f"pay-{application_id}"} if with_key else {})
    body = {
        "action": "record_payment",
        "payment": {"amount": "20000.00", "paid_on": "2014-03-15", "voucher_number": "柳财拨〔2014〕0315号"},
    }

    responses = await asyncio.gather(
        *(client.post(f"{APPLICATIONS}/{application_id}/steps", json=body, headers=headers) for _ in range(6))
    )
    repeated = await client.post(f"{APPLICATIONS}/{application_id}/steps", json=body, headers=headers)

    if with_key:
        assert {r.status_code for r in [*responses, repeated]} == {200}, [r.text for r in responses]
        assert len({r.json()["payment"]["id"] for r in [*responses, repeated]}) == 1
    else:
        codes = sorted(r.status_code for r in responses)
        assert codes == [200, 409, 409, 409, 409, 409], [r.text for r in responses]
        assert repeated.status_code == 409
    async with engine.connect() as conn:
        payments = await conn.scalar(text("SELECT count(*) FROM subsidy_payment WHERE year = :y"), {"y": year})
        events = await conn.scalar(
            text(
                "SELECT count(*) FROM outbox_event WHERE kind = 'subsidy_payment.recorded' "
                "AND data->>'application_id' = :a"
            ),
            {"a": application_id},
        )
    assert (payments, events) == (1, 1)
    assert (await budget_row(engine, year))[2] == Decimal("20000.00")


@pytest.mark.parametrize("with_key", [False, True])
async def test_parallel_approvals_of_one_application_commit_it_once(live, with_key):
    client, engine, year, make_token = live
    (application_id,) = await seed(
        engine, year, applications=1, amount="20000.00", budget="50000.00", status="nco_reviewed"
    )
    approver = finance(make_token, "approver-once")
    headers = approver | ({"Idempotency-Key": f"approve-{application_id}"} if with_key else {})
    responses = await asyncio.gather(
        *(
            client.post(f"{APPLICATIONS}/{application_id}/steps", json={"action": "finance_approve"}, headers=headers)
            for _ in range(5)
        )
    )
    ok = [r for r in responses if r.status_code == 200]
    assert len(ok) == (5 if with_key else 1), [r.text for r in responses]
    assert (await budget_row(engine, year))[1] == Decimal("20000.00")


async def test_the_database_refuses_a_second_payment_whatever_the_code_does(live):
    _client, engine, year, _ = live
    (application_id,) = await seed(engine, year, applications=1, amount="100.00", budget="500.00", status="approved")
    insert = text(
        "INSERT INTO subsidy_payment (id, application_id, year, subsidy_type, beneficiary_id, amount, paid_on, "
        "voucher_number, recorded_by) SELECT gen_random_uuid(), id, year, subsidy_type, beneficiary_id, amount, "
        "current_date, :voucher, 'db' FROM subsidy_application WHERE id = :a"
    )
    async with engine.begin() as conn:
        await conn.execute(insert, {"a": application_id, "voucher": "V-1"})
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        async with engine.begin() as conn:
            await conn.execute(insert, {"a": application_id, "voucher": "V-2"})
    with pytest.raises(IntegrityError):
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE subsidy_budget SET committed = amount + 1 WHERE year = :y"), {"y": year})
