"""Four fake services for the gateway's routing tests, served on real sockets (127.0.0.1, ephemeral ports) in the
test's event loop: each service is uvicorn behind a small TCP front that can refuse connections (a service that is
down) or cut them (a service that breaks the connection). Every call the gateway makes is recorded on the
gateway's side, through aiohttp's request hooks, so a call that found no service is counted too."""

import asyncio
import hashlib
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from types import SimpleNamespace

import aiohttp
import uvicorn
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field, create_model

from gateway.routing.table import SERVICES, prefixes_of
from shared.errors import problem_response, problem_responses

SERVICE_URLS = {f"{name}_url": f"http://{name}.test" for name in SERVICES}
"""Settings overrides that point the gateway at no service at all (tests/gateway/conftest.py's running_gateway
replaces those of the services a FakeUpstreams plays)."""

ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
PATTERN = bytes(range(256))


def pattern_bytes(size: int) -> bytes:
    return (PATTERN * (size // len(PATTERN) + 1))[:size]


def _models(service: str) -> dict[str, type[BaseModel]]:
    """Per service, schemas whose names collide on purpose: placement's and subsidy's `Item` differ,
    subsidy's `ItemPage` refers to its `Item`, reporting's `UserRead` is not the gateway's."""
    if service == "placement":
        return {"Item": create_model("Item", name=(str, Field(description="An employer's name.")))}
    if service == "subsidy":
        item = create_model("Item", amount=(str, Field(description="Yuan, two places.")))
        return {"Item": item, "ItemPage": create_model("ItemPage", items=(list[item], ...))}
    if service == "reporting":
        return {"UserRead": create_model("UserRead", indicator=(str, ...))}
    return {}


def fake_service(name: str) -> FastAPI:
    app = FastAPI(
        title=f"Fake {name}",
        openapi_tags=[
            {"name": name, "description": f"The {name} service's own things."},
            {"name": "auth", "description": "A tag the gateway already has, described differently."},
        ],
    )
    app.state.ready = True
    app.state.seen = []  # requests the service received completely
    prefix = prefixes_of(name)[0]
    models = _models(name)

    @app.get("/healthz", summary=f"Fake {name} health")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", summary=f"Fake {name} readiness")
    async def readyz() -> JSONResponse:
        return JSONResponse(
            {"status": "ok" if app.state.ready else "down"}, status_code=200 if app.state.ready else 503
        )

    @app.get("/internal/stats", summary="Not in the route table: the gateway must not publish it.")
    async def internal_stats() -> dict[str, int]:
        return {"count": 1}

    if "Item" in models:
        item_model = models["Item"]

        @app.post(
            f"{prefix}/items", status_code=201, tags=[name], responses=problem_responses(409), summary="Make an item."
        )
        async def create_item(body: item_model) -> item_model:  # type: ignore[valid-type]
            return body

    if "ItemPage" in models:
        page_model = models["ItemPage"]

        @app.get(f"{prefix}/items", tags=[name], summary="List items.")
        async def list_items() -> page_model:  # type: ignore[valid-type]
            return page_model(items=[])

    if "UserRead" in models:
        user_model = models["UserRead"]

        @app.get(f"{prefix}/users-like", tags=[name], summary="Something shaped like a user.")
        async def users_like() -> user_model:  # type: ignore[valid-type]
            return user_model(indicator="x")

    @app.get(f"{prefix}/problem", tags=[name], summary="Always a conflict.")
    async def conflict() -> JSONResponse:
        return problem_response(409, detail="Already there.", instance=f"{prefix}/problem", headers={"ETag": '"v7"'})

    @app.get(f"{prefix}/big", tags=[name], summary="A large streamed body.")
    async def big(size: int) -> StreamingResponse:
        body = pattern_bytes(size)

        async def chunks() -> AsyncIterator[bytes]:
            for start in range(0, size, 65536):
                yield body[start : start + 65536]

        return StreamingResponse(chunks(), media_type="application/octet-stream")

    @app.get(f"{prefix}/hop", tags=[name], summary="Answers with hop-by-hop headers.")
    async def hop() -> Response:
        response = Response(b"hop", media_type="text/plain", headers={"ETag": '"h1"', "X-Service-Note": "kept"})
        response.raw_headers += [
            (b"connection", b"keep-alive, X-Upstream-Secret"),
            (b"x-upstream-secret", b"only-for-the-next-hop"),
            (b"keep-alive", b"timeout=5"),
            (b"proxy-authenticate", b"Basic"),
            (b"trailer", b"X-Checksum"),
            (b"upgrade", b"h2c"),
            (b"link", b"</a>; rel=first"),
            (b"link", b"</b>; rel=next"),
            (b"x-request-id", b"the-services-own-id"),
        ]
        return response

    async def echo(request: Request) -> JSONResponse:
        body = await request.body()
        record = {
            "service": name,
            "method": request.method,
            "path": request.url.path,
            "raw_path": request.scope["raw_path"].decode("latin-1"),
            "query": request.scope["query_string"].decode("latin-1"),
            "headers": [[k.decode("latin-1"), v.decode("latin-1")] for k, v in request.scope["headers"]],
            "body_length": len(body),
            "body_sha256": hashlib.sha256(body).hexdigest(),
        }
        app.state.seen.append(record)
        return JSONResponse(record, headers={"ETag": '"e1"', "Location": f"{prefix}/e1"})

    for each_prefix in prefixes_of(name):
        app.add_api_route(each_prefix, echo, methods=ALL_METHODS, include_in_schema=False)
        app.add_api_route(f"{each_prefix}/{{rest:path}}", echo, methods=ALL_METHODS, include_in_schema=False)
    return app


@dataclass
class Call:
    service: str
    method: str
    path: str


def listening_socket(port: int = 0) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(128)
    sock.setblocking(False)
    return sock


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, cut: Callable[[], bool]) -> None:
    try:
        while data := await reader.read(65536):
            if cut():
                writer.transport.abort()
                return
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


class FakeService:
    """One fake service: uvicorn on an internal socket, and the front port the gateway is given, which pipes
    connections through unless the service is down (the port refuses them) or broken (they are cut)."""

    def __init__(self, name: str, app: FastAPI, upstreams: "FakeUpstreams") -> None:
        self.name = name
        self.app = app
        self.upstreams = upstreams
        self.front: asyncio.Server | None = None
        self.port = 0
        self.connections: set[asyncio.StreamWriter] = set()
        self.server: uvicorn.Server | None = None
        self.backend_port = 0

    async def start(self) -> None:
        config = uvicorn.Config(self.app, lifespan="off", log_config=None, access_log=False, log_level="warning")
        config.load()
        self.server = uvicorn.Server(config)
        self.server.lifespan = config.lifespan_class(config)
        backend = listening_socket()
        self.backend_port = backend.getsockname()[1]
        await self.server.startup(sockets=[backend])
        await self.open_front()

    async def open_front(self) -> None:
        self.front = await asyncio.start_server(self.connect, sock=listening_socket(self.port))
        self.port = self.front.sockets[0].getsockname()[1]

    def close_front(self) -> None:
        """The port refuses connections from now on, and those open are cut."""
        if self.front is not None:
            self.front.close()
            self.front = None
        for writer in list(self.connections):
            writer.transport.abort()

    async def stop(self) -> None:
        self.close_front()
        if self.server is not None:
            # uvicorn's own shutdown waits 0.1 s at least; nothing here needs a graceful end.
            for server in self.server.servers:
                server.close()
            for connection in list(self.server.server_state.connections):
                connection.shutdown()

    def broken(self) -> bool:
        return self.name in self.upstreams.broken

    async def connect(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self.connections.add(client_writer)
        try:
            backend_reader, backend_writer = await asyncio.open_connection("127.0.0.1", self.backend_port)
        except OSError:
            client_writer.transport.abort()
            self.connections.discard(client_writer)
            return
        try:
            await asyncio.gather(
                _pipe(client_reader, backend_writer, self.broken),
                _pipe(backend_reader, client_writer, lambda: False),
            )
        finally:
            self.connections.discard(client_writer)
            client_writer.close()
            backend_writer.close()


@dataclass
class FakeUpstreams:
    """The four fake services on real sockets, once `serving()`; `urls` points the gateway's settings at them and
    `trace_config` (handed to the gateway's create_app) records the gateway's calls."""

    apps: dict[str, FastAPI] = field(default_factory=lambda: {name: fake_service(name) for name in SERVICES})
    down: set[str] = field(default_factory=set)
    broken: set[str] = field(default_factory=set)
    calls: list[Call] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.services = {name: FakeService(name, app, self) for name, app in self.apps.items()}
        self.trace_config = aiohttp.TraceConfig()
        self.trace_config.on_request_start.append(self._record)

    async def _record(self, session: object, context: SimpleNamespace, params: aiohttp.TraceRequestStartParams) -> None:
        port = params.url.port
        service = next((s.name for s in self.services.values() if s.port == port), str(params.url.host))
        self.calls.append(Call(service, params.method, params.url.path))

    @property
    def urls(self) -> dict[str, str]:
        return {f"{name}_url": f"http://127.0.0.1:{service.port}" for name, service in self.services.items()}

    def host(self, service: str) -> str:
        """The Host header a service receives from the gateway."""
        return f"127.0.0.1:{self.services[service].port}"

    @asynccontextmanager
    async def serving(self) -> AsyncIterator["FakeUpstreams"]:
        try:
            for service in self.services.values():
                await service.start()
            for name in self.down:
                self.services[name].close_front()
            yield self
        finally:
            for service in self.services.values():
                with suppress(Exception):
                    await service.stop()

    def calls_to(self, service: str, path_prefix: str = "/api/") -> list[Call]:
        return [c for c in self.calls if c.service == service and c.path.startswith(path_prefix)]

    async def take_down(self, service: str) -> None:
        """The service's port refuses connections (and those open to it are cut)."""
        self.down.add(service)
        self.services[service].close_front()

    async def bring_up(self, service: str) -> None:
        """The service listens again, on the same port."""
        self.down.discard(service)
        if self.services[service].front is None:
            await self.services[service].open_front()


@asynccontextmanager
async def raw_service(
    handle: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]],
) -> AsyncIterator[int]:
    """A service written byte by byte (what uvicorn would not do: hold a chunk back, break off mid-body); yields
    its port."""
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        with suppress(Exception):
            await asyncio.wait_for(server.wait_closed(), 2)


async def read_head(reader: asyncio.StreamReader) -> tuple[str, str, dict[str, str]]:
    """Method, path and headers (lower-case names) of the request that comes next on the connection."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
    request_line, *lines = head.split("\r\n")
    method, path, _ = request_line.split(" ", 2)
    headers = {}
    for line in lines:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    return method, path, headers
