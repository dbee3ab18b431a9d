"""Webhooks across the real processes: an administrator subscribes a department's system to the registry's events
through the gateway; a person registered through the gateway reaches the system's receiver (a real HTTP server on
127.0.0.1, the one target on the e2e allow-list) as a delivery signed per Standard Webhooks, verified with
`standardwebhooks`; after a secret rotation a delivery verifies with the old secret and with the new one."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from standardwebhooks import Webhook

from tests.e2e.conftest import WEBHOOK_RECEIVER_PORT, wait_until
from tests.e2e.conftest import call as e2e_call
from tests.e2e.steps import id_number, new_user, register_person

pytestmark = pytest.mark.e2e

PREFIX = "/api/v1/registry-webhooks"
Delivery = tuple[dict[str, str], bytes]


def call(system, method: str, path: str, headers: dict, **kwargs) -> httpx.Response:
    return e2e_call(system, method, path, headers, timeout=15, **kwargs)


@contextmanager
def receiver() -> Iterator[list[Delivery]]:
    """The department's endpoint: records each delivery's headers and raw body, answers 204."""
    received: list[Delivery] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", WEBHOOK_RECEIVER_PORT), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield received
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def register(system, clerk: dict[str, str], seq: int) -> str:
    return register_person(system, clerk, id_number(seq), f"{date.today().year - 1}-06-01")


def delivery_of(received: list[Delivery], person_id: str) -> Delivery:
    """The delivery whose body names `person_id`, once it has come (the worker polls every 0.2 s)."""

    def matching() -> list[Delivery]:
        return [d for d in received if person_id in d[1].decode()]

    wait_until(lambda: bool(matching()), f"no delivery of {person_id}", timeout=30)
    return matching()[0]


def test_a_subscription_made_through_the_gateway_receives_signed_deliveries(system, admin_token):
    admin = {"Authorization": f"Bearer {admin_token}"}
    clerk = new_user(system, admin_token, "hooks", "township", "dapu")
    with receiver() as received:
        created = call(
            system,
            "POST",
            PREFIX,
            admin,
            json={
                "name": "县民政局救助系统",
                "client_id": "civil-affairs-relief",
                "department": "civil_affairs",
                "url": f"http://127.0.0.1:{WEBHOOK_RECEIVER_PORT}/hooks/qihang",
                "kinds": ["person.created"],
            },
        )
        assert created.status_code == 201, created.text
        sub = created.json()
        assert created.headers["location"] == f"{PREFIX}/{sub['id']}"
        try:
            first = register(system, clerk, 911)
            headers, body = delivery_of(received, first)
            payload = Webhook(sub["secret"]).verify(body, headers)
            assert (payload["type"], payload["data"]["aggregate_id"]) == ("person.created", first)
            assert payload["data"]["service"] == "registry"
            assert "覃某某" not in body.decode()  # ids, codes and dates only

            rotated = call(system, "POST", f"{PREFIX}/{sub['id']}/rotate-secret", admin, json={"overlap_seconds": 600})
            assert rotated.status_code == 200, rotated.text
            new_secret = rotated.json()["secret"]
            second = register(system, clerk, 912)
            headers, body = delivery_of(received, second)
            for secret in (sub["secret"], new_secret):
                assert Webhook(secret).verify(body, headers)["data"]["aggregate_id"] == second

            log = call(system, "GET", f"{PREFIX}/{sub['id']}/deliveries", admin)
            assert log.status_code == 200, log.text
            assert [(d["outcome"], d["status_code"]) for d in log.json()["items"]][:2] == [
                ("delivered", 204),
                ("delivered", 204),
            ]
            assert json.dumps(log.json()).count("覃某某") == 0
        finally:
            assert call(system, "DELETE", f"{PREFIX}/{sub['id']}", admin).status_code == 204
