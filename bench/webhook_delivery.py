"""Throughput of webhook delivery: N registry events delivered to one receiving server per subscription, from the
first pass of the worker until every subscription's position is at the end of the feed.

The registry runs in-process (its real session maker, so every attempt's log row and position really commit) against
a fresh database of its own on the PostgreSQL given by TEST_DATABASE_URL (or the embedded test server). The receiver
is a uvicorn server in a child process on 127.0.0.1 (`--port`), answering 204 to every POST after reading the body;
it does not verify signatures (the worker's cost is what is measured). Each delivery is: sign (standardwebhooks),
POST, wait for the answer, then one transaction (position update + log row).

    .venv/bin/python -m bench.webhook_delivery --events 2000 [--subscriptions 2] [--port 19990]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
import uuid

import httpx

from bench.common import fresh_registry_database, signing_key, user_token
from registry.config import Settings
from registry.events import outbox, webhooks
from registry.main import create_app

RECEIVER = """
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})
"""


def admin_token(key: str) -> str:
    return user_token(key, roles=["admin"], department="it", scope="admin registry:read registry:write")


def start_receiver(port: int) -> subprocess.Popen:
    code = RECEIVER + f"\nimport uvicorn\nuvicorn.run(app, host='127.0.0.1', port={port}, log_level='warning')\n"
    process = subprocess.Popen([sys.executable, "-c", code])
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            httpx.post(f"http://127.0.0.1:{port}/", content=b"{}")
            return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"the receiver did not start on port {port}")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--subscriptions", type=int, default=1)
    parser.add_argument("--port", type=int, default=int(os.environ.get("E2E_PORT_BASE", "19800")) + 190)
    args = parser.parse_args()

    url, server = fresh_registry_database("webhooks")
    key, fetch = signing_key()

    settings = Settings(
        database_url=url,
        environment="test",
        log_json=False,
        log_level="WARNING",
        webhook_allowed_hosts=f"127.0.0.1:{args.port}",
        webhook_batch_size=200,
    )
    receiver = start_receiver(args.port)
    try:
        app = create_app(settings, jwks_fetcher=fetch)
        async with app.router.lifespan_context(app):
            async with app.state.sessionmaker() as session:
                for _ in range(args.events):
                    aggregate_id = uuid.uuid4()
                    await outbox.emit(
                        session,
                        kind="person.updated",
                        aggregate_type="person",
                        aggregate_id=aggregate_id,
                        data={"person_id": aggregate_id, "jurisdiction_code": "dapu", "version": 2},
                    )
                await session.commit()
                end = await outbox.head(session)
            transport = httpx.ASGITransport(app=app)
            headers = {"Authorization": f"Bearer {admin_token(key)}"}
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                for i in range(args.subscriptions):
                    body = {
                        "name": f"bench {i}",
                        "client_id": f"bench-{i}",
                        "department": "civil_affairs",
                        "url": f"http://127.0.0.1:{args.port}/hooks/{i}",
                        "kinds": ["person.updated"],
                        "start": "beginning",
                    }
                    response = await client.post("/api/v1/registry-webhooks", json=body, headers=headers)
                    assert response.status_code == 201, response.text
            worker = app.state.webhook_worker
            table = webhooks.tables.subscription
            started = time.perf_counter()
            cpu_started = time.process_time()
            while True:
                await worker.run_once()
                async with app.state.sessionmaker() as session:
                    positions = list(await session.scalars(table.select().with_only_columns(table.c.position)))
                if all(p == end for p in positions):
                    break
            elapsed = time.perf_counter() - started
            cpu = time.process_time() - cpu_started
    finally:
        receiver.terminate()
        receiver.wait()
    total = args.events * args.subscriptions
    print(
        f"{args.events} events x {args.subscriptions} subscription(s) = {total} deliveries in {elapsed:.2f}s: "
        f"{total / elapsed:.0f} deliveries/s, {elapsed / total * 1000:.2f} ms each; this process's CPU "
        f"{cpu / total * 1000:.2f} ms a delivery (the receiver and PostgreSQL apart)"
    )
    if server is not None:
        server.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
