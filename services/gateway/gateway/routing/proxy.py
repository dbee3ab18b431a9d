"""Forwarding to the services.

Each row of the route table becomes a `ProxyRoute`, added after the gateway's own routes, that takes every
method. Before anything reaches a service the gateway checks the bearer token itself (signature, expiry,
that its subject is not disabled, that it is not revoked and that it is not a token that may only change a
password) and the caller's rate limit; the Authorization header then goes on
unchanged, since every service verifies tokens too. Bodies are streamed both ways on the one pooled session,
except an answer that declares a small length (at most SMALL_ANSWER_BYTES, the usual JSON): that one is read whole
and sent on as one plain response, which saves the streaming response's per-request task group and chunk relay
(about a fifth of the gateway's CPU on a small read, py-spy at c=8: issue 11) and lets a service that breaks off
mid-body be answered 502. A call is never retried (POST and PATCH are not idempotent, and the client can decide).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable
from typing import Any

import aiohttp
from starlette.datastructures import URLPath
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.types import Receive, Scope, Send

from gateway.dependencies import client_ip
from gateway.routing.exceptions import RateLimited
from gateway.routing.table import Route, is_upload, match
from gateway.routing.upstream import Upstreams
from shared.auth import bearer_token, refuse_password_change_tokens
from shared.errors import ServiceUnavailable, Unauthorized, UpstreamError, UpstreamTimeout
from shared.logging import request_id_var

logger = logging.getLogger("qihang.gateway.proxy")

Headers = list[tuple[bytes, bytes]]

PROXIED_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")

HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
    }
)
# Set again by the gateway (Host by the client library, the rest below), or about this hop only (Expect).
# The client's own X-Forwarded-* are dropped: the gateway is where the network edge is, and uvicorn's
# --forwarded-allow-ips already puts the real client address in front of any trusted proxy into the scope.
NOT_FORWARDED_TO_SERVICE = frozenset(
    {
        b"host",
        b"expect",
        b"x-request-id",
        b"forwarded",
        b"x-forwarded-for",
        b"x-forwarded-proto",
        b"x-forwarded-host",
        b"x-real-ip",
    }
)
# The gateway's server writes its own Date and Server; X-Request-ID is the gateway's (the same id) once.
NOT_RETURNED_TO_CLIENT = frozenset({b"date", b"server", b"x-request-id"})
# An answer declaring at most this many bytes is read whole before it is sent on (see the module docstring).
SMALL_ANSWER_BYTES = 64 * 1024


def strip_headers(headers: Iterable[tuple[bytes, bytes]], also: frozenset[bytes]) -> Headers:
    """Drop hop-by-hop headers, those the Connection header names, and `also`."""
    headers = [(name.lower(), value) for name, value in headers]
    dropped = set(HOP_BY_HOP | also)
    for name, value in headers:
        if name == b"connection":
            dropped.update(token.strip().lower() for token in value.split(b","))
    return [(name, value) for name, value in headers if name not in dropped]


def request_headers(scope: Scope) -> Headers:
    headers = strip_headers(scope["headers"], NOT_FORWARDED_TO_SERVICE)
    client = scope.get("client")
    if client:
        headers.append((b"x-forwarded-for", client[0].encode("latin-1")))
    headers.append((b"x-forwarded-proto", scope.get("scheme", "http").encode("latin-1")))
    host = next((value for name, value in scope["headers"] if name == b"host"), None)
    if host:
        headers.append((b"x-forwarded-host", host))
    rid = request_id_var.get()
    if rid:
        headers.append((b"x-request-id", rid.encode("latin-1")))
    return headers


def _has_body(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"transfer-encoding" or (name == b"content-length" and value.strip() != b"0"):
            return True
    return False


async def admit(request: Request) -> None:
    """The gateway's own checks before a call goes on: a valid, unrevoked token of an active subject that may do
    more than change its password, within its rate.

        The rate is counted per token subject, or per client address when there is no valid token, so a flood
        of bad tokens is slowed down too."""
    app = request.app
    refused: Unauthorized | None = None
    subject: str | None = None
    try:
        claims = await app.state.verifier.verify(bearer_token(request))
        subject = claims["sub"]
    except Unauthorized as exc:
        refused = exc
    key = f"sub:{subject}" if subject is not None else f"ip:{client_ip(request)}"
    wait = app.state.rate_limiter.hit(key)
    if wait is not None:
        raise RateLimited(f"Too many requests; try again in {wait} s.", headers={"Retry-After": str(wait)})
    if refused is not None:
        raise refused
    await app.state.revocations.check(claims)
    refuse_password_change_tokens(claims)


class UpstreamResponse(StreamingResponse):
    """A service's answer relayed as it arrives: status, headers (minus hop-by-hop) and the raw body bytes
    (still compressed if the service compressed them, so Content-Length stays true)."""

    def __init__(self, upstream: aiohttp.ClientResponse, service: str) -> None:
        super().__init__(self._relay(upstream, service), status_code=upstream.status)
        self.raw_headers = strip_headers(upstream.raw_headers, NOT_RETURNED_TO_CLIENT)
        self.upstream = upstream

    @staticmethod
    async def _relay(upstream: aiohttp.ClientResponse, service: str) -> AsyncIterator[bytes]:
        try:
            async for chunk in upstream.content.iter_any():
                yield chunk
        except (aiohttp.ClientError, TimeoutError) as exc:
            # Too late for a problem response: the error ends the connection, so the client sees the body
            # is incomplete instead of receiving a truncated one that looks whole.
            logger.warning("upstream broke off", extra={"upstream": service, "error": type(exc).__name__})
            raise

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            # Also when the client went away mid-body: the pooled connection goes back when the body was read to
            # its end, and is closed otherwise.
            release(self.upstream)


def release(upstream: aiohttp.ClientResponse) -> None:
    if upstream.content.at_eof():
        upstream.release()
    else:
        upstream.close()


def _small_length(upstream: aiohttp.ClientResponse, method: str) -> bool:
    """The answer declares a length of at most SMALL_ANSWER_BYTES (not HEAD: its length is not its body's)."""
    length = upstream.headers.get("content-length")
    return method != "HEAD" and length is not None and length.isdigit() and int(length) <= SMALL_ANSWER_BYTES


async def _read_whole(upstream: aiohttp.ClientResponse, service: str) -> Response:
    """A small answer read to its end and sent on as one response: status, headers (minus hop-by-hop), raw bytes."""
    try:
        body = await upstream.read()
    except (aiohttp.ClientError, TimeoutError) as exc:
        logger.warning("upstream broke off", extra={"upstream": service, "error": type(exc).__name__})
        raise UpstreamError(f"The {service} service failed to answer.") from exc
    finally:
        release(upstream)
    response = Response(body, status_code=upstream.status)
    response.raw_headers = strip_headers(upstream.raw_headers, NOT_RETURNED_TO_CLIENT)
    return response


class RequestBody:
    """The client's body streamed on to the service. aiohttp sends it from a task of its own and reports what
    went wrong there as a connection error; the error is kept here so that the client leaving (or a body over its
    limit, which the app sees as the client leaving) is answered as such, not as a failing service."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self.error: Exception | None = None

    async def chunks(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self.request.stream():
                if chunk:
                    yield chunk
        except Exception as exc:
            self.error = exc
            raise


async def forward(request: Request, upstreams: Upstreams, service: str) -> Response:
    scope = request.scope
    raw_path = scope.get("raw_path") or scope["path"].encode()
    if scope.get("query_string"):
        raw_path += b"?" + scope["query_string"]
    body = RequestBody(request) if _has_body(scope) else None
    try:
        upstream = await upstreams.session.request(
            scope["method"],
            upstreams.url(service, raw_path),
            headers=[(name.decode("latin-1"), value.decode("latin-1")) for name, value in request_headers(scope)],
            data=body.chunks() if body is not None else None,
            allow_redirects=False,
            timeout=upstreams.upload_timeout if is_upload(scope["path"]) else upstreams.timeout,
        )
    except (aiohttp.ClientError, TimeoutError) as exc:
        if body is not None and body.error is not None:
            raise body.error from None
        raise _failure(exc, service) from exc
    if _small_length(upstream, scope["method"]):
        return await _read_whole(upstream, service)
    return UpstreamResponse(upstream, service)


def _failure(exc: Exception, service: str) -> Exception:
    """What the client is told when the call found no service (503), no answer in time (504) or a broken one (502)."""
    error = type(exc).__name__
    if isinstance(exc, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError):
        logger.warning("upstream unavailable", extra={"upstream": service, "error": error})
        return ServiceUnavailable(f"The {service} service is unavailable; try again later.")
    if isinstance(exc, TimeoutError):
        logger.warning("upstream timeout", extra={"upstream": service, "error": error})
        return UpstreamTimeout(f"The {service} service did not answer in time.")
    logger.warning("upstream failed", extra={"upstream": service, "error": error})
    return UpstreamError(f"The {service} service failed to answer.")


class ProxyRoute(BaseRoute):
    """Every method on one route-table prefix, forwarded to its service. Errors raised here (401, 429,
    502-504) become problem+json through the app's handlers like any other."""

    def __init__(self, route: Route, upstreams: Upstreams) -> None:
        self.route = route
        self.upstreams = upstreams
        # What the access log shows: the prefix, never the ids after it.
        self.path = self.path_format = f"{route.prefix}/{{path:path}}"
        self.name = f"proxy:{route.service}"

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and match(scope["path"]) is self.route:
            return Match.FULL, {"route": self, "endpoint": self.handle}
        return Match.NONE, {}

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        raise NoMatchFound(name, path_params)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] not in PROXIED_METHODS:
            # TRACE would echo the Authorization header back; CONNECT is not for an API.
            raise HTTPException(405, headers={"Allow": ", ".join(PROXIED_METHODS)})
        request = Request(scope, receive)
        await admit(request)
        try:
            response = await forward(request, self.upstreams, self.route.service)
        except ClientDisconnect:
            logger.info("client went away", extra={"upstream": self.route.service})
            return
        await response(scope, receive, send)
