"""The webhook subscriptions every service with an event feed mounts (shared.webhooks), in the access matrix: the
rows, the seeded subscription and the requests, shared by the registry's, placement's and subsidy's tables."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.access.matrix import Call, Harness, Rule, World, fill_path

ADMINS = Rule(who=frozenset(), scope="admin", roles={"admin"}, county_wide=True)
"""shared/webhooks/service.py require_admin: county-wide administrators (role and scope `admin`) of any department,
as for the gateway's integration clients; a township's administrator, staff and every client are refused."""
TARGET_HOST = "hooks.civil-affairs.example"


def rows(prefix: str) -> dict[tuple[str, str], Rule]:
    one = prefix + "/{subscription_id}"
    return {
        ("GET", prefix): ADMINS,
        ("POST", prefix): ADMINS,
        ("GET", one): ADMINS,
        ("DELETE", one): ADMINS,
        ("GET", one + "/deliveries"): ADMINS,
        ("POST", one + "/replay"): ADMINS,
        ("POST", one + "/pause"): ADMINS,
        ("POST", one + "/resume"): ADMINS,
        ("POST", one + "/rotate-secret"): ADMINS,
    }


def subscription(department: str, kind: str) -> dict[str, Any]:
    return {
        "name": "县民政局救助系统",
        "client_id": "civil-affairs-relief",
        "department": department,
        "url": f"https://{TARGET_HOST}/hooks/qihang",
        "kinds": [kind],
    }


async def seed(h: Harness, world: World, token: Callable[..., str], prefix: str, department: str, kind: str) -> None:
    """Allow the target host in the app's webhook settings and subscribe a department's system through the API."""
    settings = h.app.state.webhook_settings
    h.app.state.webhook_settings = settings.model_copy(update={"webhook_allowed_hosts": [TARGET_HOST]})
    admin = {"Authorization": f"Bearer {token(roles=['admin'], department='it')}"}
    response = await h.client.post(prefix, json=subscription(department, kind), headers=admin)
    assert response.status_code == 201, response.text
    world.ids["subscription_id"] = response.json()["id"]


def requests(prefix: str, department: str, kind: str) -> dict[tuple[str, str], Callable[[World], Call]]:
    return {
        ("POST", prefix): lambda w: Call(prefix, json=subscription(department, kind)),
        ("POST", prefix + "/{subscription_id}/replay"): lambda w: Call(
            fill_path(prefix + "/{subscription_id}/replay", w.ids), json={"after": None}
        ),
        ("POST", prefix + "/{subscription_id}/rotate-secret"): lambda w: Call(
            fill_path(prefix + "/{subscription_id}/rotate-secret", w.ids), json={"overlap_seconds": 60}
        ),
    }


def not_a_list(prefix: str) -> dict[tuple[str, str], str]:
    return {("GET", prefix): "webhook subscriptions are county-wide settings, of neither side"}
