"""The gateway's routing layer: the route table, the proxy to the four services (played on real sockets by
tests/gateway/upstreams.py, or by services written byte by byte for streaming, failures and timeouts), its auth,
rate limit, size limits, CORS and readiness."""

import asyncio
import base64
import hashlib
import json
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from typing import Any

import anyio
import httpx
import pytest

from gateway.main import create_app
from gateway.routing import table
from tests.gateway.conftest import ADMIN_PASSWORD, change_password, gateway_settings, login, running_gateway
from tests.gateway.upstreams import SERVICE_URLS, pattern_bytes, raw_service, read_head

PROXIED = [
    ("/api/v1/jurisdictions", "registry"),
    ("/api/v1/persons", "registry"),
    ("/api/v1/employers", "placement"),
    ("/api/v1/subsidy-policies", "subsidy"),
    ("/api/v1/indicators", "reporting"),
    ("/api/v1/targets", "reporting"),
]


@pytest.fixture
def gateway(gateway_with_upstreams) -> httpx.AsyncClient:
    """The gateway in front of the fake services (replaces the plain `gateway` of conftest here)."""
    return gateway_with_upstreams


async def bearer(client: httpx.AsyncClient) -> dict[str, str]:
    response = await login(client, "admin", ADMIN_PASSWORD)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@asynccontextmanager
async def gateway_before(
    service: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]],
    url: str,
    upstream: str,
    **settings: Any,
) -> AsyncIterator[tuple[httpx.AsyncClient, bytes]]:
    """The gateway on database `url` with `upstream`'s URL at the raw `service` (a stream handler on a socket of its
    own): the client, and the admin's Authorization header value."""
    async with (
        raw_service(service) as port,
        running_gateway(url, **{f"{upstream}_url": f"http://127.0.0.1:{port}"}, **settings) as client,
    ):
        yield client, (await bearer(client))["Authorization"].encode()


def unsigned(header: str) -> str:
    """The token's header with `alg` set to `none`."""
    decoded = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
    return base64.urlsafe_b64encode(json.dumps({**decoded, "alg": "none"}).encode()).decode().rstrip("=")


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["code"] == code
    return body


# The route table


@pytest.mark.parametrize(
    ("path", "service"),
    [
        *PROXIED,
        ("/api/v1/persons/8d1f/measures?x=1", "registry"),
        ("/api/v1/employers/", "placement"),
        ("/api/v1/employersX", None),
        ("/api/v1/employers-archive/1", None),
        ("/api/v1/target", None),
        ("/api/v1", None),
        ("/api/v1/auth/token", None),
        ("/api/v1/admin/users", None),
        ("/api/v1/employers/../admin/users", None),
        ("/api/v1/employers/./1", None),
        ("/healthz", None),
    ],
)
def test_route_table_resolves_whole_segments_only(path, service):
    assert table.resolve(path.partition("?")[0]) == service


def test_module_docstring_quotes_the_route_table_itself():
    assert table.markdown_table() in table.__doc__
    for route in table.ROUTES:
        assert f"`{route.prefix}`" in table.markdown_table() and route.service in table.SERVICES


def test_gateway_paths_and_proxied_prefixes_never_overlap():
    app = create_app(gateway_settings("postgresql+asyncpg://unused/unused"))
    gateway_paths = [*app.openapi()["paths"], "/docs", "/redoc", "/openapi.json"]
    assert all(table.resolve(path) is None and table.owned_by_gateway(path) for path in gateway_paths)
    for route in table.ROUTES:
        assert not table.owned_by_gateway(route.prefix)
        assert [r for r in table.ROUTES if table.covers(r.prefix, route.prefix)] == [route]


# Forwarding


@pytest.mark.parametrize(("prefix", "service"), PROXIED)
async def test_each_prefix_reaches_its_service_with_path_and_query_as_sent(gateway, upstreams, prefix, service):
    headers = await bearer(gateway)
    response = await gateway.get(f"{prefix}/a%2Fb/c?q=%E4%B8%AD&sort=-name&page=2", headers=headers)
    assert response.status_code == 200, response.text
    echo = response.json()
    assert echo["service"] == service
    assert echo["raw_path"] == f"{prefix}/a%2Fb/c"
    assert echo["query"] == "q=%E4%B8%AD&sort=-name&page=2"
    assert [c.service for c in upstreams.calls] == [service]


async def test_the_prefix_itself_is_proxied_for_every_method(gateway):
    headers = await bearer(gateway)
    for method in ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]:
        response = await gateway.request(method, "/api/v1/employers", headers=headers)
        assert response.status_code == 200, (method, response.text)
        assert response.json()["method"] == method and response.json()["path"] == "/api/v1/employers"


async def test_authorization_and_request_id_are_forwarded_and_the_id_comes_back_once(gateway, upstreams):
    headers = {**await bearer(gateway), "X-Request-ID": "rid-proxy-1"}
    response = await gateway.get("/api/v1/persons/1", headers=headers)
    sent = dict(response.json()["headers"])
    assert sent["authorization"] == headers["Authorization"]
    assert sent["x-request-id"] == "rid-proxy-1"
    assert response.headers.get_list("x-request-id") == ["rid-proxy-1"]
    # A service's own id never replaces the gateway's.
    hop = await gateway.get("/api/v1/persons/hop", headers=headers)
    assert hop.headers.get_list("x-request-id") == ["rid-proxy-1"]


async def test_a_generated_request_id_is_the_one_the_service_sees(gateway):
    response = await gateway.get("/api/v1/persons/1", headers={**await bearer(gateway), "X-Request-ID": "bad id!"})
    generated = response.headers["x-request-id"]
    assert generated != "bad id!"
    assert dict(response.json()["headers"])["x-request-id"] == generated


async def test_hop_by_hop_request_headers_are_dropped_and_forwarding_headers_set(gateway, upstreams):
    headers = {
        **await bearer(gateway),
        "Connection": "keep-alive, X-Client-Secret",
        "X-Client-Secret": "for-the-gateway-only",
        "Keep-Alive": "timeout=5",
        "TE": "trailers",
        "Trailer": "X-Checksum",
        "Upgrade": "h2c",
        "Proxy-Authorization": "Basic c2VjcmV0",
        "X-Forwarded-For": "1.2.3.4",
        "If-Match": '"v3"',
        "Idempotency-Key": "k-1",
    }
    response = await gateway.get("/api/v1/employers/1", headers=headers)
    sent = response.json()["headers"]
    names = [name for name, _ in sent]
    for hop in ["connection", "x-client-secret", "keep-alive", "te", "trailer", "upgrade", "proxy-authorization"]:
        assert hop not in names
    sent = dict(sent)
    assert sent["host"] == upstreams.host("placement")
    assert names.count("x-forwarded-for") == 1 and sent["x-forwarded-for"] == "10.0.0.7"
    assert sent["x-forwarded-proto"] == "http" and sent["x-forwarded-host"] == "gateway"
    assert sent["if-match"] == '"v3"' and sent["idempotency-key"] == "k-1"


async def test_hop_by_hop_response_headers_are_dropped_and_the_rest_passed_through(gateway):
    response = await gateway.get("/api/v1/employers/hop", headers=await bearer(gateway))
    assert response.status_code == 200 and response.text == "hop"
    for hop in ["connection", "x-upstream-secret", "keep-alive", "proxy-authenticate", "trailer", "upgrade"]:
        assert hop not in response.headers
    assert response.headers["etag"] == '"h1"' and response.headers["x-service-note"] == "kept"
    assert response.headers.get_list("link") == ["</a>; rel=first", "</b>; rel=next"]
    assert response.headers["cache-control"] == "no-store"


async def test_a_services_problem_json_passes_through_unchanged(gateway):
    response = await gateway.get("/api/v1/subsidy-policies/problem", headers=await bearer(gateway))
    body = assert_problem(response, 409, "conflict")
    assert body["detail"] == "Already there." and body["instance"] == "/api/v1/subsidy-policies/problem"
    assert response.headers["etag"] == '"v7"'


async def test_large_bodies_pass_through_both_ways(gateway):
    headers = await bearer(gateway)
    download = await gateway.get("/api/v1/indicators/big", params={"size": 3_000_000}, headers=headers)
    assert download.status_code == 200
    assert download.content == pattern_bytes(3_000_000)
    upload = pattern_bytes(900_000)
    response = await gateway.put("/api/v1/targets/t1", content=upload, headers=headers)
    echo = response.json()
    assert echo["body_length"] == len(upload)
    assert echo["body_sha256"] == hashlib.sha256(upload).hexdigest()
    assert dict(echo["headers"])["content-length"] == str(len(upload))


def chunk(data: bytes) -> bytes:
    """One chunk of a chunked HTTP/1.1 body."""
    return b"%x\r\n%s\r\n" % (len(data), data)


def asgi_scope(method: str, path: str, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"gateway"), *headers],
        "client": ("10.0.0.7", 5000),
        "server": ("gateway", 80),
    }


async def test_the_response_body_is_relayed_as_it_arrives(database_url):
    """The service's second chunk is held back until the client has received the first: a gateway that
    buffered the body would never deliver the first, and the test times out."""
    first_delivered = asyncio.Event()

    async def service(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n")
        writer.write(chunk(b"first-chunk;"))
        await writer.drain()
        await first_delivered.wait()
        writer.write(chunk(b"second-chunk") + b"0\r\n\r\n")
        await writer.drain()
        writer.close()

    async with gateway_before(service, database_url("gateway"), "reporting") as (client, token):
        sent: list[dict[str, Any]] = []
        requests = iter([{"type": "http.request", "body": b"", "more_body": False}])

        async def receive() -> dict[str, Any]:
            request = next(requests, None)
            if request is None:
                await anyio.sleep_forever()
            return request

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)
            if message.get("body") == b"first-chunk;":
                first_delivered.set()

        with anyio.fail_after(5):
            await client.app(asgi_scope("GET", "/api/v1/targets/stream", [(b"authorization", token)]), receive, send)
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 200
    assert [m["body"] for m in sent[1:] if m.get("body")] == [b"first-chunk;", b"second-chunk"]


async def test_a_client_that_leaves_mid_body_releases_the_services_response(database_url):
    """The gateway closes its connection to the service when its client goes away: the service sees the end."""
    first_delivered = asyncio.Event()
    released = asyncio.Event()

    async def service(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n" + chunk(b"first-chunk;"))
        await writer.drain()
        with suppress(ConnectionError):
            while await reader.read(1024):
                pass  # nothing more comes until the gateway lets go of the connection
        released.set()
        writer.close()

    async with gateway_before(service, database_url("gateway"), "reporting") as (client, token):
        messages = iter([{"type": "http.request", "body": b"", "more_body": False}, {"type": "http.disconnect"}])

        async def receive() -> dict[str, Any]:
            message = next(messages)
            if message["type"] == "http.disconnect":
                await first_delivered.wait()
            return message

        async def send(message: dict[str, Any]) -> None:
            if message.get("body") == b"first-chunk;":
                first_delivered.set()

        with anyio.fail_after(5):
            await client.app(asgi_scope("GET", "/api/v1/indicators/feed", [(b"authorization", token)]), receive, send)
            await released.wait()
    assert released.is_set()


async def test_a_small_answer_is_sent_whole_and_one_broken_off_mid_body_is_502(database_url):
    """An answer declaring a small length is read to its end before anything is sent: whole, with its headers,
    in one body message; cut short, it is a 502 problem (nothing was sent yet), and the service's response is
    released either way: with one pooled connection, the whole answer's connection is used again for the next
    call, and the broken one's place is free for a new connection."""
    served: list[list[str]] = []  # per connection, the paths it carried

    async def service(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        paths: list[str] = []
        served.append(paths)
        with suppress(asyncio.IncompleteReadError, ConnectionError):
            while True:
                _, path, _ = await read_head(reader)
                paths.append(path)
                writer.write(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 17\r\n"
                    b'x-upstream: kept\r\n\r\n{"half":'
                )
                await writer.drain()
                if path.endswith("/broken"):
                    writer.transport.abort()
                    return
                writer.write(b' "whole"}')
                await writer.drain()
        writer.close()

    one_connection = gateway_before(service, database_url("gateway"), "reporting", upstream_max_connections=1)
    async with one_connection as (client, token):
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await client.app(asgi_scope("GET", "/api/v1/targets/whole", [(b"authorization", token)]), receive, send)
        assert sent[0]["status"] == 200 and (b"x-upstream", b"kept") in sent[0]["headers"]
        assert [m["body"] for m in sent[1:]] == [b'{"half": "whole"}']
        broken = await client.get("/api/v1/targets/broken", headers={"Authorization": token.decode()})
        assert_problem(broken, 502, "bad_gateway")
        again = await client.get("/api/v1/targets/whole", headers={"Authorization": token.decode()})
        assert again.status_code == 200 and again.json() == {"half": "whole"}
    assert served == [["/api/v1/targets/whole", "/api/v1/targets/broken"], ["/api/v1/targets/whole"]]


async def test_the_request_body_is_streamed_to_the_service(database_url):
    """The client's second chunk only comes once the service has read the first: a gateway that read the
    whole body before calling the service would wait for ever."""
    service_read_first = asyncio.Event()

    async def service(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        _, _, headers = await read_head(reader)
        length = headers["content-length"]
        received = await reader.readexactly(len(b"part-one;"))
        service_read_first.set()
        received += await reader.readexactly(int(length) - len(received))
        body = f"{received.decode()} ({length} bytes declared)".encode()
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(body), body))
        await writer.drain()
        writer.close()

    async with gateway_before(service, database_url("gateway"), "registry") as (client, token):
        parts = iter([b"part-one;", b"part-two"])
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            part = next(parts, None)
            if part == b"part-two":
                await service_read_first.wait()
            if part is None:
                await anyio.sleep_forever()
            return {"type": "http.request", "body": part, "more_body": part == b"part-one;"}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        headers = [(b"authorization", token), (b"content-length", b"17"), (b"content-type", b"text/plain")]
        with anyio.fail_after(5):
            await client.app(asgi_scope("POST", "/api/v1/persons", headers), receive, send)
    assert sent[0]["status"] == 200
    assert b"".join(m.get("body", b"") for m in sent[1:]) == b"part-one;part-two (17 bytes declared)"


# The gateway's own checks


@pytest.mark.parametrize("case", ["missing", "not-bearer", "garbage", "alg-none", "foreign-key", "tampered"])
async def test_bad_tokens_are_refused_at_the_gateway_without_contacting_the_service(
    gateway, upstreams, make_token, case
):
    good = (await bearer(gateway))["Authorization"].removeprefix("Bearer ")
    header, payload, signature = good.split(".")
    authorization = {
        "missing": None,
        "not-bearer": "Basic YWRtaW46YWRtaW4=",
        "garbage": "Bearer not-a-jwt",
        "foreign-key": f"Bearer {make_token(roles=['admin'])}",
        "alg-none": f"Bearer {unsigned(header)}.{payload}.",
        "tampered": f"Bearer {header}.{payload[:-4]}AAAA.{signature}",
    }[case]
    headers = {"Authorization": authorization} if authorization else {}
    response = await gateway.post("/api/v1/employers", json={"name": "x"}, headers=headers)
    assert_problem(response, 401, "missing_token" if case == "missing" else "invalid_token")
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert upstreams.calls == []


async def test_a_disabled_users_live_token_is_refused_at_the_gateway(gateway, upstreams, create_user, admin_headers):
    user, password = await create_user()
    token = (await login(gateway, user["username"], password)).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert (await gateway.get("/api/v1/persons", headers=headers)).status_code == 200
    disabled = await gateway.post(f"/api/v1/admin/users/{user['id']}/disable", headers=admin_headers)
    assert disabled.status_code == 200
    response = await gateway.get("/api/v1/persons", headers=headers)
    assert_problem(response, 401, "account_disabled")
    assert len(upstreams.calls_to("registry")) == 1


async def test_rate_limit_per_subject_answers_429_with_retry_after(database_url, upstreams):
    async with running_gateway(database_url("gateway"), upstreams=upstreams, rate_limit_per_minute=3) as client:
        headers = await bearer(client)
        statuses = [(await client.get("/api/v1/employers", headers=headers)).status_code for _ in range(3)]
        assert statuses == [200, 200, 200]
        limited = await client.get("/api/v1/employers", headers=headers)
        assert_problem(limited, 429, "rate_limited")
        assert int(limited.headers["retry-after"]) >= 1
        assert len(upstreams.calls_to("placement")) == 3
        # Another caller has a budget of their own.
        created = await client.post(
            "/api/v1/admin/users",
            json={
                "username": f"rl{uuid.uuid4().hex[:10]}",
                "display_name": "限流测试",
                "password": "a-good-password-1",
                "roles": ["staff"],
                "department": "nco",
            },
            headers=headers,
        )
        assert created.status_code == 201, created.text
        password = await change_password(client, created.json()["username"], "a-good-password-1")
        other = (await login(client, created.json()["username"], password)).json()["access_token"]
        response = await client.get("/api/v1/employers", headers={"Authorization": f"Bearer {other}"})
        assert response.status_code == 200


async def test_callers_without_a_valid_token_are_limited_per_address(database_url, upstreams):
    async with running_gateway(database_url("gateway"), upstreams=upstreams, rate_limit_per_minute=3) as client:
        statuses = [(await client.get("/api/v1/employers")).status_code for _ in range(3)]
        assert statuses == [401, 401, 401]
        assert_problem(await client.get("/api/v1/employers"), 429, "rate_limited")
        # A caller with a token is counted apart from its address.
        assert (await client.get("/api/v1/employers", headers=await bearer(client))).status_code == 200


# When a service fails


async def test_a_down_service_is_503_naming_it_while_the_others_answer(gateway, upstreams):
    headers = await bearer(gateway)
    await upstreams.take_down("subsidy")
    response = await gateway.post("/api/v1/subsidy-policies", json={"a": 1}, headers=headers)
    body = assert_problem(response, 503, "service_unavailable")
    assert "subsidy" in body["detail"] and "127.0.0.1" not in body["detail"]
    assert (await gateway.get("/api/v1/employers", headers=headers)).status_code == 200
    # A POST is not retried.
    assert len(upstreams.calls_to("subsidy")) == 1


async def test_a_service_that_breaks_the_connection_is_502(gateway, upstreams):
    upstreams.broken.add("reporting")
    response = await gateway.get("/api/v1/indicators", headers=await bearer(gateway))
    body = assert_problem(response, 502, "bad_gateway")
    assert "reporting" in body["detail"]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_a_refused_connection_over_the_network_is_503(database_url):
    urls = {**SERVICE_URLS, "placement_url": f"http://127.0.0.1:{closed_port()}"}
    async with running_gateway(database_url("gateway"), **urls) as client:
        response = await client.get("/api/v1/employers", headers=await bearer(client))
    body = assert_problem(response, 503, "service_unavailable")
    assert "placement" in body["detail"] and "127.0.0.1" not in body["detail"]


async def test_a_service_that_does_not_answer_in_time_is_504(database_url):
    """A real socket that accepts and never answers; the gateway gives up after its configured timeout."""
    release = asyncio.Event()

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await release.wait()
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    urls = {**SERVICE_URLS, "reporting_url": f"http://127.0.0.1:{port}"}
    try:
        async with running_gateway(database_url("gateway"), upstream_timeout_seconds=0.3, **urls) as client:
            headers = await bearer(client)
            with anyio.fail_after(5):
                response = await client.get("/api/v1/targets", headers=headers)
    finally:
        release.set()
        server.close()
        await server.wait_closed()
    body = assert_problem(response, 504, "gateway_timeout")
    assert "reporting" in body["detail"]


# What the gateway answers itself


@pytest.mark.parametrize("path", ["/api/v1/nothing", "/api/v1/employersX", "/api/v1/employers-old/1", "/api/v2/x"])
async def test_unknown_paths_are_404_problem_and_reach_no_service(gateway, upstreams, path):
    assert_problem(await gateway.get(path, headers=await bearer(gateway)), 404, "not_found")
    assert upstreams.calls == []


async def test_a_dot_segment_path_is_not_forwarded(gateway, upstreams):
    headers = await bearer(gateway)
    scope_path = "/api/v1/employers/%2E%2E/admin"  # decoded by the server to /api/v1/employers/../admin
    response = await gateway.get(httpx.URL("http://gateway").copy_with(raw_path=scope_path.encode()), headers=headers)
    assert_problem(response, 404, "not_found")
    assert upstreams.calls == []


async def test_a_wrong_method_on_a_gateway_route_is_405_problem(gateway):
    response = await gateway.delete("/api/v1/auth/token")
    assert_problem(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "POST"


async def test_trace_is_not_proxied(gateway, upstreams):
    response = await gateway.request("TRACE", "/api/v1/employers", headers=await bearer(gateway))
    assert_problem(response, 405, "method_not_allowed")
    assert "GET" in response.headers["allow"] and "TRACE" not in response.headers["allow"]
    assert upstreams.calls == []


async def test_the_gateways_own_routes_are_answered_locally(gateway, upstreams):
    headers = await bearer(gateway)
    assert (await gateway.get("/api/v1/auth/me", headers=headers)).json()["name"] == "admin"
    assert (await gateway.get("/healthz")).json()["service"] == "gateway"
    assert upstreams.calls == []


async def test_an_oversized_declared_body_is_413_and_never_forwarded(gateway, upstreams):
    response = await gateway.post("/api/v1/employers", content=b"x" * 1_048_577, headers=await bearer(gateway))
    assert_problem(response, 413, "payload_too_large")
    assert upstreams.calls == []


async def test_an_oversized_streamed_body_is_413_and_no_complete_request_reaches_the_service(gateway, upstreams):
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(40):
            yield b"x" * 65536

    response = await gateway.post("/api/v1/employers", content=chunks(), headers=await bearer(gateway))
    assert_problem(response, 413, "payload_too_large")
    assert upstreams.apps["placement"].state.seen == []


async def test_an_import_upload_may_be_larger_than_other_bodies_up_to_its_own_limit(database_url, upstreams):
    body = pattern_bytes(3 * 1_048_576)
    async with running_gateway(database_url("gateway"), upstreams=upstreams, max_upload_bytes=4 * 1_048_576) as client:
        headers = await bearer(client)
        accepted = await client.post("/api/v1/person-imports?dry_run=true", content=body, headers=headers)
        refused_elsewhere = await client.post("/api/v1/persons", content=body, headers=headers)
        too_big = await client.post("/api/v1/placement-imports", content=body + body, headers=headers)

    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["body_sha256"] == hashlib.sha256(body).hexdigest()
    assert_problem(refused_elsewhere, 413, "payload_too_large")
    assert_problem(too_big, 413, "payload_too_large")
    assert [seen["path"] for seen in upstreams.apps["registry"].state.seen] == ["/api/v1/person-imports"]
    assert upstreams.apps["placement"].state.seen == []


async def test_an_import_waits_longer_for_the_service_than_other_calls(database_url):
    """A service that answers after 0.6 s: too slow for an ordinary call (0.3 s), in time for an upload (5 s)."""

    async def slow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        await asyncio.sleep(0.6)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(slow, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    urls = {**SERVICE_URLS, "registry_url": f"http://127.0.0.1:{port}"}
    try:
        async with running_gateway(
            database_url("gateway"), upstream_timeout_seconds=0.3, upload_timeout_seconds=5, **urls
        ) as client:
            headers = await bearer(client)
            with anyio.fail_after(10):
                ordinary = await client.get("/api/v1/persons", headers=headers)
                upload = await client.get("/api/v1/person-imports", headers=headers)
    finally:
        server.close()
        await server.wait_closed()
    assert_problem(ordinary, 504, "gateway_timeout")
    assert upload.status_code == 200


async def test_oversized_headers_are_431_problem(gateway, upstreams):
    headers = await bearer(gateway)
    fits = await gateway.get("/api/v1/employers", headers={**headers, "X-Pad": "p" * 8_000})
    assert fits.status_code == 200
    response = await gateway.get("/api/v1/employers", headers={**headers, "X-Pad": "p" * 17_000})
    body = assert_problem(response, 431, "headers_too_large")
    assert body["request_id"] == response.headers["x-request-id"]
    assert len(upstreams.calls) == 1


async def test_cors_preflight_is_allowed_for_a_configured_origin_only(database_url, upstreams):
    async with running_gateway(
        database_url("gateway"), upstreams=upstreams, cors_origins=["https://app.example"]
    ) as client:
        preflight = {
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "authorization, content-type, if-match, idempotency-key, x-request-id",
        }
        allowed = await client.options("/api/v1/employers/1", headers={"Origin": "https://app.example", **preflight})
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "https://app.example"
        assert "PATCH" in allowed.headers["access-control-allow-methods"]
        refused = await client.options("/api/v1/employers/1", headers={"Origin": "https://evil.example", **preflight})
        assert_problem(refused, 400, "cors_refused")
        assert "access-control-allow-origin" not in refused.headers
        actual = await client.get(
            "/api/v1/employers/1", headers={"Origin": "https://app.example", **await bearer(client)}
        )
        assert actual.headers["access-control-allow-origin"] == "https://app.example"
        exposed = {h.strip().lower() for h in actual.headers["access-control-expose-headers"].split(",")}
        assert exposed == {"etag", "location", "x-request-id", "retry-after"}
        assert upstreams.calls_to("placement") == upstreams.calls  # preflights never went upstream
        assert len(upstreams.calls) == 1


async def test_no_cors_headers_when_no_origin_is_configured(gateway):
    response = await gateway.options(
        "/api/v1/employers/1", headers={"Origin": "https://app.example", "Access-Control-Request-Method": "GET"}
    )
    assert "access-control-allow-origin" not in response.headers
    assert_problem(response, 401, "missing_token")


# Readiness


async def test_readyz_is_200_when_every_service_answers(gateway):
    response = await gateway.get("/readyz")
    assert response.status_code == 200
    assert {k: response.json()[k] for k in table.SERVICES} == dict.fromkeys(table.SERVICES, "ok")


async def test_readyz_is_503_naming_the_services_that_are_down(gateway, upstreams):
    await upstreams.take_down("placement")
    upstreams.apps["reporting"].state.ready = False
    response = await gateway.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["placement"] == "down" and body["reporting"] == "down"
    assert body["registry"] == "ok" and body["subsidy"] == "ok" and body["database"] == "ok"
