"""The four services behind the gateway, reached over one pooled HTTP client per process."""

from __future__ import annotations

import logging
from typing import Any

import httpx
from fastapi import FastAPI

from gateway.config import Settings
from gateway.routing.table import SERVICES
from shared.health import ReadinessCheck
from shared.http import make_http_client
from shared.logging import request_id_var

logger = logging.getLogger("qihang.gateway.upstream")


class Upstreams:
    """Where each service lives and the pooled client that reaches it. The client is opened by the gateway's
    start-up hook and closed at shutdown; tests hand in a transport that plays the services."""

    def __init__(self, settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        urls = settings.service_urls()
        self.urls = {name: httpx.URL(urls[name]) for name in SERVICES}
        self.timeout_seconds = settings.upstream_timeout_seconds
        self.connect_timeout_seconds = settings.upstream_connect_timeout_seconds
        self.check_timeout = httpx.Timeout(settings.upstream_check_timeout_seconds)
        self.upload_timeout = httpx.Timeout(
            settings.upload_timeout_seconds, connect=settings.upstream_connect_timeout_seconds
        )
        self.max_connections = settings.upstream_max_connections
        self._transport = transport
        self._client: httpx.AsyncClient | None = None

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            raise RuntimeError("the upstream client is opened by the gateway's start-up hook")
        return self._client

    async def open(self, app: FastAPI) -> None:
        self._client = make_http_client(
            timeout=self.timeout_seconds,
            connect_timeout=self.connect_timeout_seconds,
            max_connections=self.max_connections,
            transport=self._transport,
        )

    async def close(self, app: FastAPI) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def url(self, service: str, raw_path: bytes) -> httpx.URL:
        """The service's URL for `raw_path` (path and query, percent-encoding kept as the client sent it)."""
        base = self.urls[service]
        return base.copy_with(raw_path=base.raw_path.rstrip(b"/") + raw_path)

    async def get(self, service: str, path: str) -> httpx.Response:
        """A small GET of the gateway's own (readiness, OpenAPI), with the short check timeout."""
        headers = {}
        rid = request_id_var.get()
        if rid:
            headers["X-Request-ID"] = rid
        return await self.client.get(self.url(service, path.encode()), headers=headers, timeout=self.check_timeout)

    async def ready(self, service: str) -> bool:
        try:
            response = await self.get(service, "/readyz")
        except httpx.HTTPError as exc:
            logger.warning("service not ready", extra={"upstream": service, "error": type(exc).__name__})
            return False
        return response.status_code == 200

    async def fetch_openapi(self, service: str) -> dict[str, Any] | None:
        try:
            response = await self.get(service, "/openapi.json")
            document = response.json() if response.status_code == 200 else None
        except (httpx.HTTPError, ValueError) as exc:
            logger.warning("openapi fetch failed", extra={"upstream": service, "error": type(exc).__name__})
            return None
        if not isinstance(document, dict) or not isinstance(document.get("paths"), dict):
            logger.warning("openapi fetch failed", extra={"upstream": service, "status": response.status_code})
            return None
        return document

    def readiness_checks(self) -> dict[str, ReadinessCheck]:
        """One `/readyz` probe per service, for the gateway's own `/readyz`."""

        def probe(service: str) -> ReadinessCheck:
            async def check(app: FastAPI) -> bool:
                return await self.ready(service)

            return check

        return {service: probe(service) for service in SERVICES}
