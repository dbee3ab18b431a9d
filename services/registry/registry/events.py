"""This service's outbox (shared.outbox) and its event feed at /api/v1/registry-events.

Events carry ids, jurisdiction codes, kinds, dates and statuses only: enough for reporting and other departments
to follow changes, never names, ID numbers, contact details or notes. The feed is county-wide, so only county-wide
callers whose department may read records (or the platform's own services) may follow it: for township staff,
ids of other jurisdictions' people would be a leak."""

from fastapi import Depends

from registry.database import Base
from registry.persons import policy
from shared.auth import CurrentPrincipal, Principal
from shared.errors import Forbidden
from shared.outbox import Outbox, events_router, outbox_table

outbox = Outbox(outbox_table(Base.metadata))


async def county_wide_follower(principal: CurrentPrincipal) -> Principal:
    policy.require_lookup(principal)
    if principal.jurisdiction is not None:
        raise Forbidden("The registry's event feed is county-wide; read your own people through /api/v1/persons.")
    return principal


router = events_router(
    outbox,
    prefix="/api/v1/registry-events",
    tag="registry-events",
    scope="registry:read",
    dependencies=[Depends(county_wide_follower)],
)
