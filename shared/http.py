"""Calls between services: one pooled httpx client per process, timeouts, bounded retries for idempotent
calls only, the caller's token and X-Request-ID relayed, and failures mapped to 502/503/504."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Generic, TypeVar

import httpx
from pydantic import BaseModel, ValidationError
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from shared.auth import Principal
from shared.errors import AppError, ServiceUnavailable, UpstreamError, UpstreamTimeout
from shared.logging import request_id_var

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRY_STATUSES = frozenset({502, 503, 504})
logger = logging.getLogger("qihang.http")


# Below uvicorn's 5 s keep-alive timeout, so a client never reuses a connection the server is closing.
KEEPALIVE_EXPIRY_SECONDS = 4.0


def make_http_client(
    *,
    timeout: float,
    connect_timeout: float,
    max_connections: int = 100,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """The one pooled client of a process for calls to other services (tests may hand in a transport)."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout, connect=connect_timeout),
        limits=httpx.Limits(
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=KEEPALIVE_EXPIRY_SECONDS,
        ),
        follow_redirects=False,
        # Service calls never go through an HTTP(S)_PROXY from the environment.
        trust_env=False,
        transport=transport,
    )


class _RetryableStatus(Exception):
    def __init__(self, response: httpx.Response) -> None:
        self.response = response


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, httpx.TransportError | _RetryableStatus)


class ServiceClient:
    """A named downstream service on the shared pooled client."""

    def __init__(self, http: httpx.AsyncClient, *, name: str, base_url: str, retries: int = 2) -> None:
        self.http = http
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.retries = retries

    async def request(
        self,
        method: str,
        path: str,
        *,
        principal: Principal | None = None,
        token: str | None = None,
        json: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        method = method.upper()
        out_headers = dict(headers or {})
        bearer = principal.token if principal is not None else token
        if bearer:
            out_headers["Authorization"] = f"Bearer {bearer}"
        rid = request_id_var.get()
        if rid:
            out_headers["X-Request-ID"] = rid
        attempts = 1 + (self.retries if method in IDEMPOTENT_METHODS else 0)
        url = f"{self.base_url}{path}"

        async def once() -> httpx.Response:
            response = await self.http.request(method, url, json=json, params=params, headers=out_headers)
            if response.status_code in RETRY_STATUSES and method in IDEMPOTENT_METHODS:
                raise _RetryableStatus(response)
            return response

        try:
            async for attempt in AsyncRetrying(
                stop=stop_after_attempt(attempts),
                wait=wait_exponential_jitter(multiplier=0.05, max=0.5),
                retry=retry_if_exception(_retryable),
                reraise=True,
            ):
                with attempt:
                    return await once()
        except _RetryableStatus as exc:
            raise UpstreamError(f"The {self.name} service answered {exc.response.status_code}.") from exc
        except httpx.TimeoutException as exc:
            logger.warning("upstream timeout", extra={"upstream": self.name})
            raise UpstreamTimeout(f"The {self.name} service did not answer in time.") from exc
        except httpx.TransportError as exc:
            logger.warning("upstream unavailable", extra={"upstream": self.name, "error": type(exc).__name__})
            raise ServiceUnavailable(f"The {self.name} service is unavailable.") from exc
        raise AssertionError("unreachable")  # pragma: no cover


class ServiceTokenProvider:
    """A client-credentials token of this service itself, for background work with no end user behind it."""

    def __init__(self, gateway: ServiceClient, *, client_id: str, client_secret: str) -> None:
        self.gateway = gateway
        self.client_id = client_id
        self.client_secret = client_secret
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()

    def forget(self) -> None:
        """Drop the cached token (the gateway refused it), so the next call gets a new one."""
        self._token = None

    async def token(self) -> str:
        async with self._lock:
            if self._token is None or time.time() > self._expires_at - 30:
                response = await self.gateway.http.post(
                    f"{self.gateway.base_url}/api/v1/auth/token",
                    data={"grant_type": "client_credentials"},
                    auth=(self.client_id, self.client_secret),
                )
                if response.status_code != 200:
                    raise UpstreamError(f"The gateway refused this service's credentials ({response.status_code}).")
                body = response.json()
                self._token = body["access_token"]
                self._expires_at = time.time() + float(body.get("expires_in", 60))
            return self._token


PageT = TypeVar("PageT", bound=BaseModel)


class FeedUnavailable(Exception):
    """A feed could not be read this time; the follower waits and tries again."""


class FeedClient(Generic[PageT]):
    """Other services' event feeds read through the gateway with this service's own client token: `paths` names each
    feed's route, `page_model` is the page as this service declares it (only the fields it uses). Any failure, the
    gateway's or the feed's, is a FeedUnavailable; a refused token (401) is dropped, so the next read gets a new one."""

    def __init__(
        self,
        gateway: ServiceClient,
        *,
        client_id: str,
        client_secret: str,
        paths: Mapping[str, str],
        page_model: type[PageT],
    ) -> None:
        self.gateway = gateway
        self.tokens = ServiceTokenProvider(gateway, client_id=client_id, client_secret=client_secret)
        self.paths = dict(paths)
        self.page_model = page_model

    async def page(self, feed: str, after: str | None, limit: int) -> PageT:
        try:
            token = await self.tokens.token()
            params: dict[str, str | int] = {"limit": limit} | ({"after": after} if after else {})
            response = await self.gateway.request("GET", self.paths[feed], token=token, params=params)
        except (AppError, httpx.HTTPError) as exc:
            raise FeedUnavailable(str(exc) or type(exc).__name__) from exc
        if response.status_code == 401:
            # Revoked or rotated: a fresh token next time.
            self.tokens.forget()
            raise FeedUnavailable("The gateway refused this service's token (401).")
        if response.status_code != 200:
            raise FeedUnavailable(f"The {feed} feed answered {response.status_code}.")
        try:
            return self.page_model.model_validate_json(response.content)
        except ValidationError as exc:
            raise FeedUnavailable(f"The {feed} feed sent a page this service cannot read.") from exc

    def fetcher(self, feed: str) -> Callable[[str | None, int], Awaitable[PageT]]:
        """One feed's reader, as a follower takes it: (after, limit) -> page."""

        async def fetch(after: str | None, limit: int) -> PageT:
            return await self.page(feed, after, limit)

        return fetch
