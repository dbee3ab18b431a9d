"""The gateway's world for the access matrix: its own operations (log-in, the caller's account, the admin API).

The gateway checks that a token's subject is an active user or client in its database, so every caller is one:
each user caller a user row (all with one known password), each client caller a client row. A target user (Dapu's
township staff) and a target integration client are what the admin requests name. The test signing key is added to
the gateway's keys so the matrix's tokens verify. The gateway's reads of its keys and of who is active go through
the test's session too (they use their own sessions in production), so all of it rolls back.

Users and clients are the county's accounts, administered county-wide: nothing here is hidden from either side."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from argon2 import PasswordHasher

from gateway import passwords
from gateway.auth.status import client_subject
from gateway.clients.models import IntegrationClient
from gateway.keys.models import SigningKey
from gateway.main import create_app
from gateway.passwords import hash_password
from gateway.routing.table import SERVICES
from gateway.users.models import User
from tests.access.matrix import SERVICE, Call, Caller, Harness, World, fill_path
from tests.conftest import TEST_KID
from tests.gateway.conftest import gateway_settings
from tests.jobs import same_session

PASSWORD = "matrix-password-1"


def make_app(settings, jwks_fetcher):
    """The gateway with the test's settings for log-in limits, and no services behind it (its own operations only)."""
    url = settings.database_url.get_secret_value()
    app = create_app(gateway_settings(url, log_level="WARNING", log_json=False))

    async def ready(app: Any) -> bool:
        return True

    # /readyz answers for the services too: here they are taken as ready.
    app.state.readiness_checks.update(dict.fromkeys(SERVICES, ready))
    return app


@contextmanager
def patched() -> Iterator[None]:
    """Argon2 at its cheapest while the matrix runs: its callers log in and change passwords thousands of times, and
    what is checked is who may, not the hash (the hasher is restored afterwards)."""
    saved = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    try:
        yield
    finally:
        passwords._hasher = saved


async def build(h: Harness, token: Callable[..., str], *, signing_key: str) -> World:
    app = h.app
    session = h.session
    app.state.keys.sessionmaker = same_session(session)
    app.state.subject_status.sessionmaker = same_session(session)
    session.add(SigningKey(kid=TEST_KID, private_key_pem=signing_key))
    password_hash = await hash_password(PASSWORD)
    suffix = uuid.uuid4().hex[:8]
    target = User(
        username=f"matrix-target-{suffix}",
        display_name="大埔镇目标用户",
        password_hash=password_hash,
        roles=["staff"],
        department="township",
        jurisdiction="dapu",
    )
    client = IntegrationClient(
        client_id=f"matrix-target-{suffix}",
        name="县民政局救助系统",
        secret_hash=password_hash,
        scopes=["registry:read"],
        department="civil_affairs",
    )
    session.add_all([target, client])
    await session.commit()
    await app.state.keys.reload()
    app.state.verifier.keys.load(await app.state.keys.jwks())

    signing_kid = app.state.keys.current.signing_kid

    async def reload_keys() -> None:
        """After a key rotation (rolled back with its request), hold the world's keys again. Only then: turning a
        PEM into a JWK costs a fraction of a second."""
        if app.state.keys.current.signing_kid != signing_kid:
            await app.state.keys.reload()
            app.state.verifier.keys.load(await app.state.keys.jwks())

    h.after.append(reload_keys)
    return World(
        # Accounts are the county's, administered county-wide: the jurisdiction codes in them are no side's secret.
        codes={"A": set(), "B": set()},
        ids={"user_id": target.id, "client_uuid": client.id},
        extra={"target": target.username, "suffix": suffix, "password_hash": password_hash, "versions": {}},
    )


async def enrol(h: Harness, world: World, everyone: list[Caller]) -> dict[str, str]:
    """A user or client row for every caller; caller name -> token subject."""
    session = h.session
    suffix = world.extra["suffix"]
    subjects: dict[str, str] = {}
    for caller in everyone:
        claims: dict[str, Any] = dict(caller.claims or {})
        if caller.claims is None:
            continue
        safe = caller.name.replace(":", "-").replace("@", "-").replace("_", "-").lower()
        if claims.get("kind") == "client":
            client_id = f"mx-{safe}-{suffix}"
            session.add(
                IntegrationClient(
                    client_id=client_id,
                    name=caller.name,
                    secret_hash=world.extra["password_hash"],
                    scopes=sorted(caller.scopes),
                    department=claims.get("department"),
                    jurisdiction=claims.get("jurisdiction"),
                    employer_id=uuid.UUID(claims["emp"]) if "emp" in claims else None,
                    is_service=caller.kind == SERVICE,
                )
            )
            subjects[caller.name] = client_subject(client_id)
        else:
            user = User(
                username=f"mx-{safe}-{suffix}",
                display_name=caller.name,
                password_hash=world.extra["password_hash"],
                roles=list(claims["roles"]),
                department=claims["department"],
                jurisdiction=claims.get("jurisdiction"),
            )
            session.add(user)
            await session.flush()
            subjects[caller.name] = str(user.id)
    await session.commit()
    return subjects


REFERENCE = {("GET", "/api/v1/auth/reference")}
NOT_A_LIST = {
    ("GET", "/.well-known/jwks.json"): "public keys",
    ("GET", "/api/v1/admin/users"): "the county's accounts: no side's objects",
    ("GET", "/api/v1/admin/clients"): "the county's accounts: no side's objects",
    ("GET", "/api/v1/admin/keys"): "signing keys",
    ("GET", "/api/v1/admin/auth-events"): "log-in events: no side's objects",
    ("GET", "/api/v1/auth/me"): "the caller itself",
    ("GET", "/api/v1/auth/revocations"): "revoked subjects: accounts, no side's objects",
}

REQUESTS: dict[tuple[str, str], Callable[[World], Call]] = {
    ("POST", "/api/v1/auth/token"): lambda w: Call(
        "/api/v1/auth/token", data={"grant_type": "password", "username": w.extra["target"], "password": PASSWORD}
    ),
    ("POST", "/api/v1/auth/revoke"): lambda w: Call("/api/v1/auth/revoke", json={"refresh_token": "rt_" + "x" * 40}),
    ("POST", "/api/v1/auth/password"): lambda w: Call(
        "/api/v1/auth/password", json={"current_password": PASSWORD, "new_password": "a-new-matrix-password"}
    ),
    ("POST", "/api/v1/admin/users"): lambda w: Call(
        "/api/v1/admin/users",
        json={
            "username": f"matrix-new-{w.extra['suffix']}",
            "display_name": "新用户",
            "password": "a-good-password-1",
            "roles": ["viewer"],
            "department": "township",
            "jurisdiction": "shapu",
        },
    ),
    ("PATCH", "/api/v1/admin/users/{user_id}"): lambda w: Call(
        fill_path("/api/v1/admin/users/{user_id}", w.ids),
        json={"display_name": "大埔镇改名"},
        headers={"If-Match": '"1"'},
    ),
    ("POST", "/api/v1/admin/users/{user_id}/reset-password"): lambda w: Call(
        fill_path("/api/v1/admin/users/{user_id}/reset-password", w.ids), json={}
    ),
    ("POST", "/api/v1/admin/clients"): lambda w: Call(
        "/api/v1/admin/clients",
        json={"name": "县人社局就业系统", "scopes": ["placement:read"], "department": "human_resources"},
    ),
}
