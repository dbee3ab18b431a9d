"""Reading the feed through the gateway with this service's own client token, and the follower's place in the app's
lifespan: on only when enabled and configured, stopped cleanly at shutdown, never taking the service down."""

import asyncio
import base64

import httpx
import pytest

from placement.main import create_app
from placement.registry_feed.client import REGISTRY_FEED, FeedUnavailable, RegistryFeedClient
from shared.http import ServiceClient

PAGE = {
    "items": [
        {
            "id": 7,
            "kind": "person.created",
            "aggregate_type": "person",
            "aggregate_id": "8d1f2e3a-0b4c-4d5e-8f6a-7b8c9d0e1f2a",
            "at": "2026-11-29T08:00:00Z",
            "data": {"jurisdiction_code": "dapu", "status": "active", "work_ability": "able", "birth_year": 1990},
        }
    ],
    "next_cursor": "WyI3NDQyIiw3XQ",
    "has_more": False,
}


class FakeGateway:
    """The gateway's token endpoint and the registry's feed behind it."""

    def __init__(self) -> None:
        self.tokens_issued = 0
        self.feed_status = 200
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        if request.url.path == "/api/v1/auth/token":
            expected = "Basic " + base64.b64encode(b"svc-placement:s3cret").decode()
            assert request.headers["authorization"] == expected
            assert b"grant_type=client_credentials" in request.content
            self.tokens_issued += 1
            return httpx.Response(200, json={"access_token": f"token-{self.tokens_issued}", "expires_in": 300})
        assert request.url.path == "/api/v1/registry-events"
        if self.feed_status != 200:
            return httpx.Response(self.feed_status, json={"code": "x"})
        return httpx.Response(200, json=PAGE)


def feed_client(gateway: FakeGateway) -> RegistryFeedClient:
    http = httpx.AsyncClient(transport=httpx.MockTransport(gateway))
    service = ServiceClient(http, name="gateway", base_url="http://gateway", retries=0)
    return RegistryFeedClient(service, client_id="svc-placement", client_secret="s3cret")


async def test_reads_a_page_with_the_services_own_token_and_the_cursor():
    gateway = FakeGateway()
    page = await feed_client(gateway).page(REGISTRY_FEED, "WyI3NDQyIiw2XQ", 200)
    assert [e.id for e in page.items] == [7] and page.next_cursor == "WyI3NDQyIiw3XQ"
    feed_request = gateway.seen[-1]
    assert feed_request.headers["authorization"] == "Bearer token-1"
    assert dict(feed_request.url.params) == {"limit": "200", "after": "WyI3NDQyIiw2XQ"}


async def test_a_refused_token_is_replaced_on_the_next_poll():
    gateway = FakeGateway()
    client = feed_client(gateway)
    gateway.feed_status = 401
    with pytest.raises(FeedUnavailable):
        await client.page(REGISTRY_FEED, None, 50)
    gateway.feed_status = 200
    await client.page(REGISTRY_FEED, None, 50)
    assert gateway.tokens_issued == 2
    assert gateway.seen[-1].headers["authorization"] == "Bearer token-2"


@pytest.mark.parametrize("status", [403, 500, 503])
async def test_an_error_answer_is_a_feed_unavailable(status):
    gateway = FakeGateway()
    gateway.feed_status = status
    with pytest.raises(FeedUnavailable):
        await feed_client(gateway).page(REGISTRY_FEED, None, 50)


async def test_an_unreachable_gateway_and_an_unreadable_page_are_feed_unavailable():
    def refuse(request):
        raise httpx.ConnectError("connection refused")

    down = RegistryFeedClient(
        ServiceClient(
            httpx.AsyncClient(transport=httpx.MockTransport(refuse)), name="gateway", base_url="http://g", retries=0
        ),
        client_id="svc-placement",
        client_secret="s3cret",
    )
    with pytest.raises(FeedUnavailable):
        await down.page(REGISTRY_FEED, None, 50)

    def garbage(request):
        if request.url.path == "/api/v1/auth/token":
            return httpx.Response(200, json={"access_token": "t", "expires_in": 300})
        return httpx.Response(200, json={"items": "nope"})

    odd = RegistryFeedClient(
        ServiceClient(
            httpx.AsyncClient(transport=httpx.MockTransport(garbage)), name="gateway", base_url="http://g", retries=0
        ),
        client_id="svc-placement",
        client_secret="s3cret",
    )
    with pytest.raises(FeedUnavailable):
        await odd.page(REGISTRY_FEED, None, 50)


async def test_the_follower_is_off_in_tests_and_without_credentials(service_client):
    async with service_client("placement", create_app) as (client, _session):
        assert client._transport.app.state.registry_feed_task is None
    async with service_client("placement", create_app, registry_feed_enabled=True) as (client, _session):
        assert client._transport.app.state.registry_feed_task is None


async def test_enabled_it_runs_in_the_background_while_the_registry_is_unreachable_and_stops_at_shutdown(
    service_client,
):
    settings = {
        "registry_feed_enabled": True,
        "service_client_id": "svc-placement",
        "service_client_secret": "s3cret",
        # Nothing listens there: every poll fails and backs off.
        "gateway_url": "http://127.0.0.1:9",
        "registry_feed_max_backoff_seconds": 0.05,
        "http_retries": 0,
    }
    async with service_client("placement", create_app, **settings) as (client, _session):
        task = client._transport.app.state.registry_feed_task
        assert task is not None
        await asyncio.sleep(0.3)
        assert not task.done()
        assert (await client.get("/healthz")).status_code == 200
    assert task.cancelled()
