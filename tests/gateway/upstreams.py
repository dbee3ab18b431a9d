"""Four fake services for the gateway's routing tests, reached in-process through one httpx transport that
dispatches by host (`http://placement.test` ...), records every call, and can take a service down."""

import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field, create_model

from gateway.routing.table import SERVICES, prefixes_of
from shared.errors import problem_response, problem_responses

SERVICE_URLS = {f"{name}_url": f"http://{name}.test" for name in SERVICES}
"""Settings overrides that point the gateway at the fakes."""

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


@dataclass
class FakeUpstreams(httpx.AsyncBaseTransport):
    """The transport the gateway's pooled client uses in these tests (timeouts are tested over real sockets)."""

    apps: dict[str, FastAPI] = field(default_factory=lambda: {name: fake_service(name) for name in SERVICES})
    down: set[str] = field(default_factory=set)
    broken: set[str] = field(default_factory=set)
    calls: list[Call] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._transports = {name: httpx.ASGITransport(app=app) for name, app in self.apps.items()}

    def calls_to(self, service: str, path_prefix: str = "/api/") -> list[Call]:
        return [c for c in self.calls if c.service == service and c.path.startswith(path_prefix)]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        service = request.url.host.removesuffix(".test")
        self.calls.append(Call(service, request.method, request.url.path))
        if service in self.down or service not in self._transports:
            raise httpx.ConnectError("connection refused", request=request)
        if service in self.broken:
            raise httpx.RemoteProtocolError("server disconnected without sending a response", request=request)
        return await self._transports[service].handle_async_request(request)
