"""What the volume benchmarks share: running against a PostgreSQL server (TEST_DATABASE_URL's, else an embedded
one) with every process a run starts stopped afterwards, saving the results, and the plumbing of the bare ASGI
stand-ins they serve."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Awaitable, Callable
from typing import Any

from bench.generate_registry import server_url_or_embedded
from scripts.localdb import DATA_DIR, ensure_database, start_embedded
from shared import jwt as qjwt
from shared.config import database_url_for
from shared.migrations import upgrade

OUT_DIR = DATA_DIR / "bench"


def run_on_a_server(run: Callable[[Any, str, list[subprocess.Popen]], dict[str, Any]], args: Any) -> dict[str, Any]:
    """`run(args, server_url, procs)`; afterwards every process it put in `procs` is sent SIGTERM (its process
    group) and waited for up to 15 s, and an embedded server is removed."""
    server_url, server = server_url_or_embedded()
    procs: list[subprocess.Popen] = []
    try:
        return run(args, server_url, procs)
    finally:
        for proc in procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=15)
        if server is not None:
            server.cleanup()


def fresh_registry_database(label: str) -> tuple[str, Any]:
    """A fresh registry database at head, qihang_bench_<label><TEST_DB_SUFFIX>, on TEST_DATABASE_URL's server, else
    on the embedded test server: (its URL, the embedded server to clean up afterwards, or None)."""
    server = None
    server_url = os.environ.get("TEST_DATABASE_URL")
    if not server_url:
        server = start_embedded(DATA_DIR / "pg-test")
        server_url = server.get_uri("postgres")
    name = f"qihang_bench_{label}{os.environ.get('TEST_DB_SUFFIX', '')}"
    ensure_database(server_url, name, recreate=True)
    url = database_url_for(server_url, name)
    upgrade("registry", url)
    return url, server


def signing_key() -> tuple[str, Callable[[], Awaitable[dict]]]:
    """A fresh signing key (kid "bench") and the JWKS fetcher a service verifies its tokens with."""
    key = qjwt.generate_private_key_pem()
    jwks = {"keys": [qjwt.public_jwk(key, "bench")]}

    async def fetch() -> dict:
        return jwks

    return key, fetch


def user_token(key: str, *, roles: list[str], department: str, scope: str) -> str:
    """An hour's user token signed with `key` (kid "bench"), as the gateway issues them."""
    now = int(time.time())
    claims = {
        "iss": "qihang-gateway",
        "aud": "qihang-api",
        "sub": "bench",
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
        "typ": "user",
        "name": "bench",
        "roles": roles,
        "dept": department,
        "scope": scope,
    }
    return qjwt.sign(claims, key, "bench")


def save_results(name: str, results: dict[str, Any]) -> None:
    """The raw results as .data/bench/<name>.json."""
    (OUT_DIR / f"{name}.json").write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))


async def asgi_request_body(
    scope, receive, send, on_shutdown: Callable[[], Awaitable[None]] | None = None
) -> bytes | None:
    """For a bare ASGI app: on a lifespan scope, answer startup and shutdown (after `on_shutdown`) and return None
    (the app is done); on a request, its whole body."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if on_shutdown is not None:
                    await on_shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return None
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body
