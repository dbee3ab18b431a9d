"""This service's outbox (shared.outbox) and its event feed at /api/v1/placement-events.

The feed is county-wide: it carries the registry ids of people with the jurisdiction they are placed, referred,
trained or handed over in, for every township at once. So only county-wide callers whose department may read
placements (placements.policy: the NCO and human resources), and the platform's own services, may follow it.
Township staff read their own people's placements through /api/v1/placements; an employer's integration client
never reads a feed, whatever its token says (it would see other employers' hires)."""

from placement.database import Base
from placement.placements import policy as placements_policy
from placement.placements.exceptions import NoPlacementAccess
from shared.auth import CurrentPrincipal, Principal
from shared.outbox import Outbox, outbox_table
from shared.webhooks import event_feed

outbox = Outbox(outbox_table(Base.metadata))


async def county_wide_follower(principal: CurrentPrincipal) -> Principal:
    if placements_policy.caller_kind(principal) == placements_policy.EMPLOYER:
        raise NoPlacementAccess("An employer's system does not follow the placement feed.")
    placements_policy.require_read(principal)
    if not principal.county_wide:
        raise NoPlacementAccess("The placement feed is county-wide; read your own people through /api/v1/placements.")
    return principal


router, webhooks = event_feed("placement", outbox, Base.metadata, county_wide_follower)
"""The feed's route, and its webhook subscriptions (shared.webhooks): a subscriber must pass `county_wide_follower`."""
