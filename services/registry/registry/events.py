"""This service's outbox (shared.outbox) and its event feed at /api/v1/registry-events.

Events carry ids, jurisdiction codes, kinds, dates and statuses only: enough for reporting and other departments
to follow changes, never names, ID numbers, contact details or notes. The feed is county-wide, so only county-wide
callers whose department may read records (or the platform's own services) may follow it: for township staff,
ids of other jurisdictions' people would be a leak.

Schema version 2 (docs/events/registry.md has every kind's payload): every event's data carries
`"schema_version": 2`, and every event about a person carries `person_id` and `jurisdiction_code` (the person's
jurisdiction when the event was written) next to its dated facts. One narrow exception to the outbox's safety net:
the registration events (`person.created`, `person.snapshot`) carry `birth_date`, which reporting's age rule (16-59
on a day) needs; no other event may.
"""

import uuid
from collections.abc import Mapping
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession

from registry.database import Base
from registry.persons import policy
from shared.auth import CurrentPrincipal, Principal
from shared.errors import Forbidden
from shared.outbox import Outbox, checked_payload, outbox_table
from shared.webhooks import event_feed

outbox = Outbox(outbox_table(Base.metadata))

SCHEMA_VERSION: Final = 2
BIRTH_DATE_KINDS: Final = frozenset({"person.created", "person.snapshot"})
"""The only events that may carry `birth_date` (the age rule needs it; see the module docstring)."""


def _allowed(kind: str) -> frozenset[str]:
    return frozenset({"birth_date"}) if kind in BIRTH_DATE_KINDS else frozenset()


def person_payload(kind: str, person_id: uuid.UUID, jurisdiction_code: str, data: Mapping[str, Any]) -> dict:
    """The stored data of a person-scoped event (for bulk writers): version, person, jurisdiction, then `data`."""
    payload = {"schema_version": SCHEMA_VERSION, "person_id": person_id, "jurisdiction_code": jurisdiction_code}
    return checked_payload(kind, payload | dict(data), allow=_allowed(kind))


async def emit_person_event(
    session: AsyncSession,
    *,
    kind: str,
    person_id: uuid.UUID,
    jurisdiction_code: str,
    data: Mapping[str, Any],
    aggregate_type: str = "person",
    aggregate_id: uuid.UUID | None = None,
) -> int:
    """Emit a schema-v2 event about a person, in the session's transaction."""
    return await outbox.emit(
        session,
        kind=kind,
        aggregate_type=aggregate_type,
        aggregate_id=aggregate_id or person_id,
        data={"schema_version": SCHEMA_VERSION, "person_id": person_id, "jurisdiction_code": jurisdiction_code}
        | dict(data),
        allow=_allowed(kind),
    )


async def county_wide_follower(principal: CurrentPrincipal) -> Principal:
    policy.require_lookup(principal)
    if principal.jurisdiction is not None:
        raise Forbidden("The registry's event feed is county-wide; read your own people through /api/v1/persons.")
    return principal


router, webhooks = event_feed("registry", outbox, Base.metadata, county_wide_follower)
"""The feed's route, and its webhook subscriptions (shared.webhooks): a subscriber must pass `county_wide_follower`."""
