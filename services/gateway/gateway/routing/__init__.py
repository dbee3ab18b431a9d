"""The gateway's routing layer: the route table, the proxy to the services, their readiness, the merged
OpenAPI document and the edge limits (header size, CORS)."""

from __future__ import annotations

from fastapi import FastAPI

from gateway.config import Settings
from gateway.ratelimit import RateLimiter
from gateway.routing.middleware import install_edge_middleware
from gateway.routing.openapi import install_merged_openapi
from gateway.routing.proxy import ProxyRoute
from gateway.routing.table import ROUTES
from gateway.routing.upstream import Upstreams

__all__ = ["Upstreams", "install_routing"]


def install_routing(app: FastAPI, settings: Settings, upstreams: Upstreams) -> None:
    """Wire the routing layer into a built gateway app. `upstreams.open`/`close` must be its start-up and
    shutdown hooks."""
    app.state.upstreams = upstreams
    app.state.rate_limiter = RateLimiter(settings.rate_limit_per_minute)
    app.state.readiness_checks = {**getattr(app.state, "readiness_checks", {}), **upstreams.readiness_checks()}
    # After the gateway's own routes; the table's prefixes and the gateway's are disjoint anyway.
    app.router.routes.extend(ProxyRoute(route, upstreams) for route in ROUTES)
    install_merged_openapi(app, upstreams, settings)
    install_edge_middleware(app, settings)
