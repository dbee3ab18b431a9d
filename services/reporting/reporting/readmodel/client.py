"""Reading a source's event feed through the gateway with the reporting service's own client token (svc-reporting:
the role `service`, county-wide, scopes registry:read, placement:read and subsidy:read)."""

from __future__ import annotations

import httpx
from pydantic import ValidationError

from reporting.readmodel.events import FEED_PATHS, FeedPage
from shared.errors import AppError
from shared.http import ServiceClient, ServiceTokenProvider


class FeedUnavailable(Exception):
    """The feed could not be read this time; the follower waits and tries again."""


class FeedClient:
    def __init__(self, gateway: ServiceClient, *, client_id: str, client_secret: str) -> None:
        self.gateway = gateway
        self.client_id = client_id
        self.client_secret = client_secret
        self.tokens = ServiceTokenProvider(gateway, client_id=client_id, client_secret=client_secret)

    async def page(self, feed: str, after: str | None, limit: int) -> FeedPage:
        try:
            token = await self.tokens.token()
            params: dict[str, str | int] = {"limit": limit} | ({"after": after} if after else {})
            response = await self.gateway.request("GET", FEED_PATHS[feed], token=token, params=params)
        except (AppError, httpx.HTTPError) as exc:
            raise FeedUnavailable(str(exc) or type(exc).__name__) from exc
        if response.status_code == 401:
            # Revoked or rotated: a fresh token next time.
            self.tokens = ServiceTokenProvider(self.gateway, client_id=self.client_id, client_secret=self.client_secret)
            raise FeedUnavailable("The gateway refused this service's token (401).")
        if response.status_code != 200:
            raise FeedUnavailable(f"The {feed} feed answered {response.status_code}.")
        try:
            return FeedPage.model_validate_json(response.content)
        except ValidationError as exc:
            raise FeedUnavailable(f"The {feed} feed sent a page this service cannot read.") from exc

    def fetcher(self, feed: str):
        async def fetch(after: str | None, limit: int) -> FeedPage:
            return await self.page(feed, after, limit)

        return fetch
