"""Reading a source's event feed through the gateway with the reporting service's own client token (svc-reporting:
the role `service`, county-wide, scopes registry:read, placement:read and subsidy:read)."""

from __future__ import annotations

from reporting.readmodel.events import FEED_PATHS, FeedPage
from shared.http import FeedClient as SharedFeedClient
from shared.http import FeedUnavailable, ServiceClient

__all__ = ["FeedClient", "FeedUnavailable"]


class FeedClient(SharedFeedClient[FeedPage]):
    """Every source's feed (FEED_PATHS); `fetcher(feed)` is the follower's reader of one."""

    def __init__(self, gateway: ServiceClient, *, client_id: str, client_secret: str) -> None:
        super().__init__(
            gateway, client_id=client_id, client_secret=client_secret, paths=FEED_PATHS, page_model=FeedPage
        )
