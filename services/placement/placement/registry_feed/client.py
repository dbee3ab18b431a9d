"""Reading the registry's feed through the gateway with this service's own client token (svc-placement: the role
`service`, county-wide, scope registry:read, which the registry's feed admits)."""

from __future__ import annotations

import httpx
from pydantic import ValidationError

from placement.registry_feed.schemas import FeedPage
from shared.errors import AppError
from shared.http import ServiceClient, ServiceTokenProvider

FEED_PATH = "/api/v1/registry-events"


class FeedUnavailable(Exception):
    """The feed could not be read this time; the follower waits and tries again."""


class RegistryFeedClient:
    def __init__(self, gateway: ServiceClient, *, client_id: str, client_secret: str) -> None:
        self.gateway = gateway
        self.client_id = client_id
        self.client_secret = client_secret
        self.tokens = ServiceTokenProvider(gateway, client_id=client_id, client_secret=client_secret)

    async def page(self, after: str | None, limit: int) -> FeedPage:
        try:
            token = await self.tokens.token()
            params: dict[str, str | int] = {"limit": limit} | ({"after": after} if after else {})
            response = await self.gateway.request("GET", FEED_PATH, token=token, params=params)
        except (AppError, httpx.HTTPError) as exc:
            raise FeedUnavailable(str(exc) or type(exc).__name__) from exc
        if response.status_code == 401:
            # Revoked or rotated: a fresh token next time.
            self.tokens = ServiceTokenProvider(self.gateway, client_id=self.client_id, client_secret=self.client_secret)
            raise FeedUnavailable("The gateway refused this service's token (401).")
        if response.status_code != 200:
            raise FeedUnavailable(f"The registry's feed answered {response.status_code}.")
        try:
            return FeedPage.model_validate_json(response.content)
        except ValidationError as exc:
            raise FeedUnavailable("The registry's feed sent a page this service cannot read.") from exc
