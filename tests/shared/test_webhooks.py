"""Webhook subscriptions (shared.webhooks) as a department's system meets them, on each service that mounts them:
deliveries signed per Standard Webhooks and verified with `standardwebhooks` on a real receiving server, only the
kinds subscribed, retries with back-off after a failure, a subscriber that was down catching up in order, replay
from a cursor, and who may manage subscriptions and which targets and subscribers are refused.

Deliveries read the event feed, which shows only committed events (shared.outbox), so these tests run the app on
committed sessions and delete what they made at the end. The worker is driven pass by pass (`run_once`) with a
clock the test moves, so back-off is checked without waiting for it.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from standardwebhooks import Webhook, WebhookVerificationError

from shared.webhooks import WebhookFeed
from shared.webhooks.config import DEV_WEBHOOK_SECRET_KEY

PROBLEM = "application/problem+json"
WAIT_SECONDS = 30
RECEIVER_PORT = int(os.environ.get("E2E_PORT_BASE", "19800")) + 95


@dataclass(frozen=True)
class Spec:
    service: str
    follower: str
    """A department whose system may follow the service's feed."""
    refused: str
    """A county-wide department whose system may not."""
    kinds: tuple[str, str]
    """Two kinds of the service's events: the first subscribed, the second not."""


SPECS = {
    "registry": Spec("registry", "civil_affairs", "finance", ("person.created", "person.updated")),
    "placement": Spec("placement", "human_resources", "civil_affairs", ("placement.started", "placement.ended")),
    "subsidy": Spec("subsidy", "finance", "civil_affairs", ("subsidy_decision.made", "subsidy_payment.recorded")),
}


def spec_ids() -> list[str]:
    return list(SPECS)


class Receiver:
    """A department's webhook endpoint on a real port: records what it is sent, answers the statuses queued."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.statuses: list[int] = []
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/qihang"

    async def app(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        self.received.append(({k.decode(): v.decode() for k, v in scope["headers"]}, body))
        status = self.statuses.pop(0) if self.statuses else 204
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def start(self) -> None:
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off", interface="asgi3"
        )
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            await self._task
            self._server = None

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.received]


@dataclass
class Live:
    spec: Spec
    app: Any
    client: httpx.AsyncClient
    admin: dict[str, str]
    feed: WebhookFeed
    sessions: async_sessionmaker
    receiver: Receiver
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    aggregate_ids: list[uuid.UUID] = field(default_factory=list)
    subscription_ids: list[str] = field(default_factory=list)

    @property
    def prefix(self) -> str:
        return self.feed.prefix

    async def subscribe(self, **overrides: Any) -> httpx.Response:
        body = {
            "name": "县民政局救助系统",
            "client_id": "civil-affairs-relief",
            "department": self.spec.follower,
            "url": self.receiver.url,
            "kinds": [self.spec.kinds[0]],
        } | overrides
        response = await self.client.post(self.prefix, json=body, headers=self.admin)
        if response.status_code == 201:
            self.subscription_ids.append(response.json()["id"])
        return response

    async def emit(self, kind: str) -> uuid.UUID:
        aggregate_id = uuid.uuid4()
        self.aggregate_ids.append(aggregate_id)
        async with self.sessions() as session:
            await self.feed.outbox.emit(
                session,
                kind=kind,
                aggregate_type=kind.split(".")[0],
                aggregate_id=aggregate_id,
                data={"id": str(aggregate_id), "jurisdiction_code": "dapu"},
            )
            await session.commit()
        return aggregate_id

    async def run(self) -> int:
        worker = self.app.state.webhook_worker
        worker.clock = lambda: self.now
        return await worker.run_once()

    async def deliver_until(self, count: int) -> None:
        """Run passes until the receiver holds `count` deliveries (the feed shows an event once every older
        transaction on the server has ended)."""
        deadline = asyncio.get_running_loop().time() + WAIT_SECONDS
        while len(self.receiver.received) < count:
            if asyncio.get_running_loop().time() > deadline:
                pytest.fail(f"{len(self.receiver.received)} of {count} deliveries within {WAIT_SECONDS}s")
            await self.run()
            await asyncio.sleep(0.05)

    async def attempts_until(self, subscription_id: str, count: int) -> list[dict[str, Any]]:
        deadline = asyncio.get_running_loop().time() + WAIT_SECONDS
        while True:
            log = await self.deliveries(subscription_id)
            if len(log) >= count:
                return log
            if asyncio.get_running_loop().time() > deadline:
                pytest.fail(f"{len(log)} of {count} attempts within {WAIT_SECONDS}s")
            await self.run()
            await asyncio.sleep(0.05)

    async def deliveries(self, subscription_id: str) -> list[dict[str, Any]]:
        response = await self.client.get(f"{self.prefix}/{subscription_id}/deliveries", headers=self.admin)
        assert response.status_code == 200, response.text
        return response.json()["items"]

    async def subscription(self, subscription_id: str) -> dict[str, Any]:
        response = await self.client.get(f"{self.prefix}/{subscription_id}", headers=self.admin)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture(params=spec_ids())
async def live(request, database_url, jwks_fetcher, make_token):
    spec = SPECS[request.param]
    url = database_url(spec.service)
    settings_cls = importlib.import_module(f"{spec.service}.config").Settings
    settings = settings_cls(
        database_url=url,
        environment="test",
        log_json=False,
        webhook_allowed_hosts=f"127.0.0.1:{RECEIVER_PORT}",
        webhook_retry_base_seconds=10,
        webhook_retry_max_seconds=600,
    )
    app = importlib.import_module(f"{spec.service}.main").create_app(settings, jwks_fetcher=jwks_fetcher)
    feed = importlib.import_module(f"{spec.service}.events").webhooks
    admin = {"Authorization": f"Bearer {make_token(roles=['admin'], department='it')}"}
    receiver = Receiver(RECEIVER_PORT)
    await receiver.start()
    engine = create_async_engine(url)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
                state = Live(spec, app, client, admin, feed, async_sessionmaker(engine), receiver)
                yield state
    finally:
        await receiver.stop()
        async with engine.begin() as conn:
            outbox = feed.outbox.table
            await conn.execute(delete(outbox).where(outbox.c.aggregate_id.in_(state.aggregate_ids)))
            subs = feed.tables.subscription
            await conn.execute(delete(subs).where(subs.c.id.in_([uuid.UUID(s) for s in state.subscription_ids])))
        await engine.dispose()


async def test_a_delivery_is_signed_per_standard_webhooks_and_carries_only_the_kinds_subscribed(live):
    created = await live.subscribe()
    assert created.status_code == 201, created.text
    sub = created.json()
    assert created.headers["location"] == f"{live.prefix}/{sub['id']}"
    assert sub["secret"].startswith("whsec_")
    shown_again = await live.subscription(sub["id"])
    assert "secret" not in shown_again and sub["secret"] not in json.dumps(shown_again)
    listed = await live.client.get(live.prefix, headers=live.admin)
    assert sub["secret"] not in listed.text

    skipped = await live.emit(live.spec.kinds[1])
    wanted = await live.emit(live.spec.kinds[0])
    await live.deliver_until(1)
    for _ in range(3):
        await live.run()

    assert len(live.receiver.received) == 1
    headers, body = live.receiver.received[0]
    payload = Webhook(sub["secret"]).verify(body, headers)
    assert payload["type"] == live.spec.kinds[0]
    assert payload["data"]["aggregate_id"] == str(wanted)
    assert str(skipped) not in body.decode()
    assert headers["webhook-id"] == f"{live.spec.service}_{payload['data']['id']}"
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "A" * 43).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(sub["secret"]).verify(body.replace(b"dapu", b"shapu"), headers)

    log = await live.deliveries(sub["id"])
    assert [(d["outcome"], d["status_code"], d["attempt"], d["event_kind"]) for d in log] == [
        ("delivered", 204, 1, live.spec.kinds[0])
    ]
    assert "dapu" not in json.dumps(log)
    state = await live.subscription(sub["id"])
    assert state["position"] == payload["data"]["position"] == log[0]["event_position"]
    assert (state["attempts"], state["next_attempt_at"], state["last_status_code"]) == (0, None, 204)


async def test_a_failed_delivery_is_tried_again_after_its_back_off_with_the_same_id(live):
    sub = (await live.subscribe()).json()
    live.receiver.statuses = [500]
    await live.emit(live.spec.kinds[0])

    log = await live.attempts_until(sub["id"], 1)
    assert [(d["outcome"], d["status_code"], d["attempt"]) for d in log] == [("failed", 500, 1)]
    state = await live.subscription(sub["id"])
    assert state["attempts"] == 1
    assert datetime.fromisoformat(state["next_attempt_at"]) == live.now + timedelta(seconds=10)

    live.now += timedelta(seconds=9)
    assert await live.run() == 0  # not due yet
    live.now += timedelta(seconds=2)
    log = await live.attempts_until(sub["id"], 2)

    assert [(d["outcome"], d["status_code"], d["attempt"]) for d in log] == [("delivered", 204, 2), ("failed", 500, 1)]
    first, second = live.receiver.received
    assert first[0]["webhook-id"] == second[0]["webhook-id"]
    assert Webhook(sub["secret"]).verify(second[1], second[0])["type"] == live.spec.kinds[0]
    state = await live.subscription(sub["id"])
    assert (state["attempts"], state["next_attempt_at"]) == (0, None)


async def test_a_subscriber_that_is_down_loses_nothing_and_catches_up_in_order(live):
    sub = (await live.subscribe()).json()
    start = sub["position"]
    await live.receiver.stop()
    ids = [await live.emit(live.spec.kinds[0]) for _ in range(3)]

    log = await live.attempts_until(sub["id"], 1)
    assert (log[0]["outcome"], log[0]["status_code"], log[0]["error"]) == ("failed", None, log[0]["error"])
    assert log[0]["error"].startswith("transport")
    live.now += timedelta(seconds=11)
    log = await live.attempts_until(sub["id"], 2)
    assert log[0]["attempt"] == 2
    state = await live.subscription(sub["id"])
    assert state["position"] == start
    assert datetime.fromisoformat(state["next_attempt_at"]) == live.now + timedelta(seconds=20)

    await live.receiver.start()
    live.now += timedelta(seconds=21)
    await live.deliver_until(3)

    assert [event["data"]["aggregate_id"] for event in live.receiver.events()] == [str(i) for i in ids]


async def test_replay_from_a_cursor_delivers_again_in_order(live):
    sub = (await live.subscribe()).json()
    start = sub["position"]
    ids = [await live.emit(live.spec.kinds[0]) for _ in range(2)]
    await live.deliver_until(2)
    first_ids = [headers["webhook-id"] for headers, _ in live.receiver.received]

    replayed = await live.client.post(f"{live.prefix}/{sub['id']}/replay", json={"after": start}, headers=live.admin)
    assert replayed.status_code == 200, replayed.text
    assert replayed.json()["position"] == start
    await live.deliver_until(4)

    assert [event["data"]["aggregate_id"] for event in live.receiver.events()] == [str(i) for i in ids * 2]
    assert [headers["webhook-id"] for headers, _ in live.receiver.received[2:]] == first_ids

    middle = live.receiver.events()[0]["data"]["position"]
    again = await live.client.post(f"{live.prefix}/{sub['id']}/replay", json={"after": middle}, headers=live.admin)
    assert again.status_code == 200
    await live.deliver_until(5)
    assert live.receiver.events()[4]["data"]["aggregate_id"] == str(ids[1])

    bad = await live.client.post(f"{live.prefix}/{sub['id']}/replay", json={"after": "nonsense"}, headers=live.admin)
    assert (bad.status_code, bad.headers["content-type"]) == (400, PROBLEM)


async def test_a_paused_subscription_holds_its_deliveries_and_resumes_where_it_stopped(live):
    sub = (await live.subscribe()).json()
    first = await live.emit(live.spec.kinds[0])
    await live.deliver_until(1)

    paused = await live.client.post(f"{live.prefix}/{sub['id']}/pause", headers=live.admin)
    assert paused.status_code == 200, paused.text
    assert paused.json()["paused_at"] is not None
    again = await live.client.post(f"{live.prefix}/{sub['id']}/pause", headers=live.admin)
    assert again.json()["paused_at"] == paused.json()["paused_at"]  # pausing again keeps the first time
    held = [await live.emit(live.spec.kinds[0]) for _ in range(2)]
    for _ in range(3):
        await live.run()
    assert len(live.receiver.received) == 1
    assert len(await live.deliveries(sub["id"])) == 1
    assert (await live.subscription(sub["id"]))["position"] == live.receiver.events()[0]["data"]["position"]

    resumed = await live.client.post(f"{live.prefix}/{sub['id']}/resume", headers=live.admin)
    assert resumed.status_code == 200, resumed.text
    assert resumed.json()["paused_at"] is None
    await live.deliver_until(3)
    assert [e["data"]["aggregate_id"] for e in live.receiver.events()] == [str(i) for i in (first, *held)]

    unknown = await live.client.post(f"{live.prefix}/{uuid.uuid4()}/pause", headers=live.admin)
    assert (unknown.status_code, unknown.headers["content-type"]) == (404, PROBLEM)


async def test_a_rotated_secret_signs_with_both_secrets_during_the_overlap_then_only_the_new_one(live):
    sub = (await live.subscribe()).json()
    rotated = await live.client.post(
        f"{live.prefix}/{sub['id']}/rotate-secret", json={"overlap_seconds": 3600}, headers=live.admin
    )
    assert rotated.status_code == 200, rotated.text
    new = rotated.json()
    assert new["secret"].startswith("whsec_") and new["secret"] != sub["secret"]
    assert new["previous_secret_until"] is not None
    assert new["secret"] not in json.dumps(await live.subscription(sub["id"]))

    await live.emit(live.spec.kinds[0])
    await live.deliver_until(1)
    headers, body = live.receiver.received[0]
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert Webhook(sub["secret"]).verify(body, headers)["type"] == live.spec.kinds[0]
    assert Webhook(new["secret"]).verify(body, headers)["type"] == live.spec.kinds[0]

    # After the overlap only the new secret signs (the worker's clock moved past it; the signatures are checked as
    # `verify` does, without its check of the timestamp against the real clock).
    live.now = datetime.fromisoformat(new["previous_secret_until"]) + timedelta(seconds=1)
    await live.emit(live.spec.kinds[0])
    await live.deliver_until(2)
    headers, body = live.receiver.received[1]
    sent_at = datetime.fromtimestamp(int(headers["webhook-timestamp"]), UTC)

    def signature(secret: str) -> str:
        return Webhook(secret).sign(headers["webhook-id"], sent_at, body)

    assert headers["webhook-signature"] == signature(new["secret"])
    assert signature(sub["secret"]) not in headers["webhook-signature"]

    # No overlap: the previous secret stops at once.
    at_once = await live.client.post(
        f"{live.prefix}/{sub['id']}/rotate-secret", json={"overlap_seconds": 0}, headers=live.admin
    )
    assert at_once.status_code == 200 and at_once.json()["previous_secret_until"] is None
    too_long = await live.client.post(
        f"{live.prefix}/{sub['id']}/rotate-secret", json={"overlap_seconds": 8 * 86400}, headers=live.admin
    )
    assert (too_long.status_code, too_long.headers["content-type"]) == (422, PROBLEM)


async def test_a_target_taken_off_the_allow_list_is_held_back_and_nothing_is_skipped(live):
    from prometheus_client import REGISTRY

    def attempts(outcome: str) -> float:
        labels = {"service": live.spec.service, "outcome": outcome}
        return REGISTRY.get_sample_value("qihang_webhook_deliveries_total", labels) or 0.0

    sub = (await live.subscribe()).json()
    worker = live.app.state.webhook_worker
    allowed = worker.settings
    worker.settings = allowed.model_copy(update={"webhook_allowed_hosts": ["elsewhere.example"]})
    failed_before, delivered_before = attempts("failed"), attempts("delivered")
    event = await live.emit(live.spec.kinds[0])

    log = await live.attempts_until(sub["id"], 1)
    assert [(d["outcome"], d["status_code"], d["error"]) for d in log] == [("failed", None, "target_not_allowed")]
    assert live.receiver.received == []
    assert (await live.subscription(sub["id"]))["position"] == sub["position"]

    worker.settings = allowed
    live.now += timedelta(seconds=11)
    await live.deliver_until(1)
    assert live.receiver.events()[0]["data"]["aggregate_id"] == str(event)
    assert (attempts("failed") - failed_before, attempts("delivered") - delivered_before) == (1, 1)


async def test_a_subscriber_the_feed_rule_no_longer_admits_receives_nothing(live):
    sub = (await live.subscribe()).json()
    subs = live.feed.tables.subscription
    async with live.sessions() as session:
        await session.execute(
            update(subs).where(subs.c.id == uuid.UUID(sub["id"])).values(department=live.spec.refused)
        )
        await session.commit()
    await live.emit(live.spec.kinds[0])

    log = await live.attempts_until(sub["id"], 1)

    assert [(d["outcome"], d["error"]) for d in log] == [("failed", "subscriber_not_allowed")]
    assert live.receiver.received == []


async def test_the_delivery_log_keeps_attempts_for_its_retention_only(live):
    sub = (await live.subscribe()).json()
    for _ in range(2):
        await live.emit(live.spec.kinds[0])
    await live.deliver_until(2)
    log = await live.deliveries(sub["id"])
    assert len(log) == 2
    d = live.feed.tables.delivery
    async with live.sessions() as session:
        await session.execute(
            update(d).where(d.c.id == log[1]["id"]).values(attempted_at=live.now - timedelta(days=31))
        )
        await session.commit()

    assert await live.app.state.webhook_worker.prune_log() >= 1

    assert [row["id"] for row in await live.deliveries(sub["id"])] == [log[0]["id"]]


async def test_a_target_off_the_allow_list_is_refused_and_nothing_is_made(live):
    before = (await live.client.get(live.prefix, headers=live.admin)).json()["items"]
    for url in (
        "http://169.254.169.254/latest/meta-data",
        f"http://127.0.0.1:{RECEIVER_PORT + 1}/hooks",
        f"http://user:pw@127.0.0.1:{RECEIVER_PORT}/hooks",
        f"http://127.0.0.1:{RECEIVER_PORT}/hooks?token=x",
        f"ftp://127.0.0.1:{RECEIVER_PORT}/hooks",
    ):
        refused = await live.subscribe(url=url)
        assert (refused.status_code, refused.headers["content-type"]) == (422, PROBLEM), url
        assert refused.json()["code"] == "webhook_target_not_allowed"
    after = (await live.client.get(live.prefix, headers=live.admin)).json()["items"]
    assert after == before


async def test_only_a_subscriber_that_may_follow_the_feed_can_be_subscribed(live):
    refused = await live.subscribe(department=live.spec.refused)
    assert (refused.status_code, refused.json()["code"]) == (422, "webhook_subscriber_not_allowed")
    township = await live.subscribe(department="township", jurisdiction="dapu")
    assert (township.status_code, township.json()["code"]) == (422, "webhook_subscriber_not_allowed")


async def test_only_county_wide_administrators_manage_subscriptions(live, make_token):
    sub = (await live.subscribe()).json()
    callers = {
        "staff": make_token(roles=["staff"], department="nco"),
        "township admin": make_token(roles=["admin"], department="township", jurisdiction="dapu"),
        "client": make_token(
            roles=["integration"], department="civil_affairs", kind="client", scopes=[f"{live.spec.service}:read"]
        ),
    }
    for who, token in callers.items():
        headers = {"Authorization": f"Bearer {token}"}
        for method, path, body in (
            (
                "POST",
                live.prefix,
                {
                    "name": "x",
                    "client_id": "abc",
                    "department": "nco",
                    "url": live.receiver.url,
                    "kinds": [live.spec.kinds[0]],
                },
            ),
            ("GET", live.prefix, None),
            ("GET", f"{live.prefix}/{sub['id']}", None),
            ("GET", f"{live.prefix}/{sub['id']}/deliveries", None),
            ("POST", f"{live.prefix}/{sub['id']}/replay", {"after": None}),
            ("POST", f"{live.prefix}/{sub['id']}/pause", None),
            ("POST", f"{live.prefix}/{sub['id']}/resume", None),
            ("POST", f"{live.prefix}/{sub['id']}/rotate-secret", {"overlap_seconds": 60}),
            ("DELETE", f"{live.prefix}/{sub['id']}", None),
        ):
            response = await live.client.request(method, path, json=body, headers=headers)
            assert (response.status_code, response.headers["content-type"]) == (403, PROBLEM), (who, method, path)
    assert (await live.subscription(sub["id"]))["version"] == 1

    deleted = await live.client.delete(f"{live.prefix}/{sub['id']}", headers=live.admin)
    assert deleted.status_code == 204
    gone = await live.client.get(f"{live.prefix}/{sub['id']}", headers=live.admin)
    assert gone.status_code == 404


def test_production_refuses_the_development_key_and_plain_http_targets():
    from registry.config import Settings
    from shared.webhooks.service import target_refusal

    production = {
        "environment": "production",
        "cursor_key": "x" * 40,
        "service_client_id": "svc-registry",
        "service_client_secret": "s" * 40,
        "id_number_encryption_key": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
        "id_number_hash_key": "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=",
    }
    with pytest.raises(ValueError, match="webhook_secret_key"):
        Settings(**production, webhook_secret_key=DEV_WEBHOOK_SECRET_KEY)
    settings = Settings(
        **production,
        webhook_secret_key="a2V5LWZvci10aGUtd2ViaG9vay1zZWNyZXRzLTMyYnk=",
        webhook_allowed_hosts="Relief.example.gov.cn, 10.0.0.5:8443",
    )
    assert settings.webhook_allowed_hosts == ["relief.example.gov.cn", "10.0.0.5:8443"]
    assert target_refusal("https://relief.example.gov.cn/hook", settings) is None
    assert target_refusal("https://10.0.0.5:8443/hook", settings) is None
    assert target_refusal("http://relief.example.gov.cn/hook", settings)
    assert target_refusal("https://10.0.0.5/hook", settings)
    assert target_refusal("https://evil.example.com/hook", settings)


@pytest.mark.parametrize("service", spec_ids())
async def test_the_migration_makes_the_tables_the_code_declares(database_url, service):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    feed = importlib.import_module(f"{service}.events").webhooks
    names = {feed.tables.subscription.name, feed.tables.delivery.name}
    engine = create_async_engine(database_url(service))
    async with engine.connect() as conn:

        def diff(sync_conn):
            def only_webhooks(name, type_, parent_names):
                return type_ != "table" or name in names

            context = MigrationContext.configure(sync_conn, opts={"compare_type": True, "include_name": only_webhooks})
            return compare_metadata(context, feed.tables.subscription.metadata)

        differences = [d for d in await conn.run_sync(diff) if any(n in repr(d) for n in names)]
    await engine.dispose()
    assert differences == []
