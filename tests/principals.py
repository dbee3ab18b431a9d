"""Callers built in-process, for tests that call a service's code (the audit trail, import jobs) without a token."""

import uuid
from collections.abc import Iterable

from shared.auth import Principal


def user(
    name: str = "韦丽",
    *,
    department: str | None = "township",
    jurisdiction: str | None = "dapu",
    roles: Iterable[str] = ("staff",),
    scopes: Iterable[str] = (),
    subject: str | None = None,
) -> Principal:
    """A user of `department` (and `jurisdiction`; None: county-wide) as the services see one; the subject is
    `<name>-<uuid>` unless given."""
    return Principal(
        subject=subject or f"{name}-{uuid.uuid4()}",
        kind="user",
        name=name,
        roles=frozenset(roles),
        department=department,
        jurisdiction=jurisdiction,
        scopes=frozenset(scopes),
        token="not-a-real-token",
        token_id=None,
    )
