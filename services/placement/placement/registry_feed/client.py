"""Reading the registry's feed through the gateway with this service's own client token (svc-placement: the role
`service`, county-wide, scope registry:read, which the registry's feed admits)."""

from __future__ import annotations

from placement.registry_feed.schemas import FeedPage
from shared.http import FeedClient, FeedUnavailable, ServiceClient

__all__ = ["REGISTRY_FEED", "FeedUnavailable", "RegistryFeedClient"]

REGISTRY_FEED = "registry"


class RegistryFeedClient(FeedClient[FeedPage]):
    """The registry's feed (GET /api/v1/registry-events) alone; `fetcher(REGISTRY_FEED)` is the follower's reader."""

    def __init__(self, gateway: ServiceClient, *, client_id: str, client_secret: str) -> None:
        super().__init__(
            gateway,
            client_id=client_id,
            client_secret=client_secret,
            paths={REGISTRY_FEED: "/api/v1/registry-events"},
            page_model=FeedPage,
        )
