"""The raw baseline of bench/persons_read.py: `GET /api/v1/persons/{id}` as a bare ASGI app on asyncpg, sending the
statements the registry sends for it (captured from the registry by the bench and given here in a pickle file,
BENCH_RAW_STATEMENTS): BEGIN, the person SELECT, the audit row INSERT (the same row the registry writes, with the
requested id and a new request id), COMMIT, and the row as JSON. No framework, no ORM, no validation: what the
registry's read costs beyond this is what the framework, the ORM and the service's own code cost.

Run by the bench as `uvicorn --factory bench.raw_read:create_app` with BENCH_RAW_DATABASE_URL and
BENCH_RAW_STATEMENTS set. It checks only that an Authorization header is present (the registry's verified-token
cache makes a repeated token cost well under a microsecond: docs/benchmarks.md).
"""

from __future__ import annotations

import json
import os
import pickle
import uuid
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg

from scripts.localdb import asyncpg_dsn

PREFIX = "/api/v1/persons/"
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, bytes):
        return None  # the encrypted ID number: the registry does not send it either
    raise TypeError(type(value).__name__)


class Statements:
    """The captured SELECT and INSERT with their parameters; `for_id` gives the parameters for another person
    (wherever the captured id stood, the new one; the request id new each time)."""

    def __init__(self, captured: dict[str, Any]) -> None:
        self.select_sql: str = captured["select"][0]
        self.insert_sql: str = captured["insert"][0]
        self.select_params: list[Any] = list(captured["select"][1])
        self.insert_params: list[Any] = list(captured["insert"][1])
        self.person_id: uuid.UUID = captured["person_id"]
        self.request_id: str | None = captured.get("request_id")

    def _swap(self, params: list[Any], person_id: uuid.UUID) -> list[Any]:
        out = []
        for value in params:
            if value == self.person_id or value == str(self.person_id):
                value = person_id
            elif isinstance(value, list) and (self.person_id in value or str(self.person_id) in value):
                value = [person_id]
            elif self.request_id is not None and value == self.request_id:
                value = uuid.uuid4().hex
            out.append(value)
        return out

    def select(self, person_id: uuid.UUID) -> list[Any]:
        return self._swap(self.select_params, person_id)

    def insert(self, person_id: uuid.UUID) -> list[Any]:
        return self._swap(self.insert_params, person_id)


async def _noop_reset(connection: asyncpg.Connection) -> None:
    """The registry's pool sends nothing when a committed connection goes back; asyncpg's default reset would add a
    round trip (RESET ALL and friends) to every request."""


def create_app() -> Callable[[dict[str, Any], Receive, Send], Awaitable[None]]:
    url = os.environ["BENCH_RAW_DATABASE_URL"]
    statements = Statements(pickle.loads(Path(os.environ["BENCH_RAW_STATEMENTS"]).read_bytes()))
    state: dict[str, asyncpg.Pool] = {}

    async def respond(send: Send, status: int, body: bytes) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    dsn, kwargs = asyncpg_dsn(url)
                    # As the registry's engine: up to 20 connections, each execution planned with its own values.
                    state["pool"] = await asyncpg.create_pool(
                        dsn,
                        min_size=10,
                        max_size=20,
                        reset=_noop_reset,
                        server_settings={"plan_cache_mode": "force_custom_plan"},
                        **kwargs,
                    )
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await state["pool"].close()
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        path: str = scope["path"]
        if scope["method"] == "GET" and path == "/healthz":
            await respond(send, 200, b'{"status":"ok"}')
            return
        if scope["method"] != "GET" or not path.startswith(PREFIX):
            await respond(send, 404, b"{}")
            return
        if not any(name == b"authorization" for name, _ in scope["headers"]):
            await respond(send, 401, b"{}")
            return
        try:
            person_id = uuid.UUID(path[len(PREFIX) :])
        except ValueError:
            await respond(send, 422, b"{}")
            return
        async with state["pool"].acquire() as conn, conn.transaction():
            row = await conn.fetchrow(statements.select_sql, *statements.select(person_id))
            await conn.fetchrow(statements.insert_sql, *statements.insert(person_id))
        if row is None:
            await respond(send, 404, b"{}")
            return
        await respond(send, 200, json.dumps(dict(row), default=_default, ensure_ascii=False).encode())

    return app
