"""The inter-service client: relays the caller's token and request id, retries only idempotent calls, and turns
failures into 502/503/504 problems."""

import httpx
import pytest

from shared.auth import Principal
from shared.errors import ServiceUnavailable, UpstreamError, UpstreamTimeout
from shared.http import ServiceClient, ServiceTokenProvider
from shared.logging import request_id_var


def principal(token: str = "user-token") -> Principal:
    return Principal(
        subject="u1",
        kind="user",
        name="u",
        roles=frozenset(),
        department="nco",
        jurisdiction=None,
        scopes=frozenset(),
        token=token,
        token_id=None,
    )


def client_with(handler) -> ServiceClient:
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return ServiceClient(http, name="registry", base_url="http://registry:8001/", retries=2)


async def test_relays_the_callers_token_and_request_id():
    seen = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen.update(
            auth=request.headers.get("authorization"), rid=request.headers.get("x-request-id"), url=str(request.url)
        )
        return httpx.Response(200, json={"ok": True})

    token = request_id_var.set("rid-77")
    try:
        response = await client_with(handler).request("GET", "/api/v1/persons/lookup", principal=principal("abc"))
    finally:
        request_id_var.reset(token)
    assert response.json() == {"ok": True}
    assert seen == {"auth": "Bearer abc", "rid": "rid-77", "url": "http://registry:8001/api/v1/persons/lookup"}


async def test_idempotent_calls_are_retried_after_a_503_then_succeed():
    calls = []

    def handler(request):
        calls.append(1)
        return httpx.Response(503) if len(calls) < 3 else httpx.Response(200, json={})

    assert (await client_with(handler).request("GET", "/x")).status_code == 200
    assert len(calls) == 3


async def test_a_post_is_never_retried():
    calls = []

    def handler(request):
        calls.append(1)
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(ServiceUnavailable) as info:
        await client_with(handler).request("POST", "/x", json={"a": 1})
    assert len(calls) == 1
    assert info.value.status == 503 and "registry" in info.value.detail


async def test_retries_are_bounded_and_end_in_a_502_for_repeated_5xx():
    calls = []

    def handler(request):
        calls.append(1)
        return httpx.Response(502)

    with pytest.raises(UpstreamError) as info:
        await client_with(handler).request("GET", "/x")
    assert len(calls) == 3 and info.value.status == 502


async def test_a_timeout_is_a_504():
    def handler(request):
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(UpstreamTimeout) as info:
        await client_with(handler).request("GET", "/x")
    assert info.value.status == 504


async def test_a_4xx_is_returned_to_the_caller_not_retried():
    calls = []

    def handler(request):
        calls.append(1)
        return httpx.Response(404, json={"code": "not_found"})

    assert (await client_with(handler).request("GET", "/x")).status_code == 404
    assert len(calls) == 1


async def test_service_token_is_fetched_once_and_reused_until_near_expiry():
    calls = []

    def handler(request):
        calls.append(request)
        return httpx.Response(200, json={"access_token": f"t{len(calls)}", "expires_in": 300})

    gateway = ServiceClient(
        httpx.AsyncClient(transport=httpx.MockTransport(handler)), name="gateway", base_url="http://gateway:8000"
    )
    provider = ServiceTokenProvider(gateway, client_id="svc-reporting", client_secret="s3cret")
    assert await provider.token() == "t1"
    assert await provider.token() == "t1"
    assert len(calls) == 1
    assert calls[0].url.path == "/api/v1/auth/token"
    assert calls[0].headers["authorization"].startswith("Basic ")
