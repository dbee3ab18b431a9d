"""What every service gets from shared.app: problem+json for every failure, request ids, body limits, no-store."""

import gc
import importlib
import logging
import uuid

import pytest
from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict
from sqlalchemy import text

from registry.config import Settings
from shared.app import create_service_app
from shared.db import SessionDep

router = APIRouter(prefix="/api/v1/things")


class ThingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    count: int


@router.post("", status_code=201)
async def create_thing(body: ThingCreate) -> ThingCreate:
    """Echo."""
    return body


@router.get("/boom")
async def boom() -> None:
    """Fails."""
    raise RuntimeError("secret internals: SELECT * FROM person")


@router.get("/lookup")
async def lookup_things() -> str:
    """A fixed word registered AFTER the id route below would be shadowed by it without typed parameters."""
    return "lookup"


@router.get("/{thing_id}/parts/{number}")
async def read_part(thing_id: uuid.UUID, number: int) -> dict:
    """Typed parameters."""
    return {"thing": str(thing_id), "number": number}


@router.get("/{thing_id}")
async def read_thing(thing_id: uuid.UUID) -> str:
    """An id route."""
    return str(thing_id)


@router.get("/db")
async def touch_database(session: SessionDep) -> int:
    """Reads the database."""
    return (await session.execute(text("SELECT 1"))).scalar_one()


@pytest.fixture
async def client(database_url, jwks_fetcher, make_token):
    import httpx

    settings = Settings(database_url=database_url("registry"), environment="test", log_json=False, max_body_bytes=1000)
    app = create_service_app(settings, title="t", description="t", routers=[router], jwks_fetcher=jwks_fetcher)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        headers = {"Authorization": f"Bearer {make_token()}"}
        async with httpx.AsyncClient(transport=transport, base_url="http://t", headers=headers) as c:
            yield c


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["code"] == code and body["title"]
    assert body["request_id"] == response.headers["x-request-id"]
    return body


async def test_wrong_types_and_unknown_fields_list_every_field(client):
    body = assert_problem(
        await client.post("/api/v1/things", json={"name": "x", "count": "many", "owner": "me"}), 422, "validation_error"
    )
    assert {e["field"] for e in body["errors"]} == {"body.count", "body.owner"}
    assert "many" not in str(body)  # input values are never echoed: they may be personal data


async def test_malformed_json_is_400(client):
    response = await client.post("/api/v1/things", content=b"{nope", headers={"Content-Type": "application/json"})
    assert_problem(response, 400, "malformed_json")


async def test_oversized_body_is_413_declared_or_streamed(client):
    assert_problem(await client.post("/api/v1/things", content=b"x" * 2000), 413, "payload_too_large")

    async def chunks():
        for _ in range(20):
            yield b"x" * 100

    assert_problem(await client.post("/api/v1/things", content=chunks()), 413, "payload_too_large")


async def test_unknown_route_and_method(client):
    assert_problem(await client.get("/api/v1/nothing-here"), 404, "not_found")
    assert_problem(await client.delete("/api/v1/things"), 405, "method_not_allowed")


async def test_an_unexpected_error_is_a_500_problem_without_internals(client, caplog):
    with caplog.at_level(logging.ERROR):
        body = assert_problem(await client.get("/api/v1/things/boom"), 500, "internal_error")
    assert "SELECT" not in str(body) and "secret" not in str(body)


async def test_request_id_is_accepted_or_generated_and_echoed(client):
    given = await client.post("/api/v1/things", json={"name": "a", "count": 1}, headers={"X-Request-ID": "abc-123"})
    assert given.status_code == 201 and given.headers["x-request-id"] == "abc-123"
    made = await client.post("/api/v1/things", json={"name": "a", "count": 1}, headers={"X-Request-ID": "bad id\n"})
    assert made.headers["x-request-id"] not in ("", "bad id\n") and len(made.headers["x-request-id"]) == 32


async def test_responses_are_never_cached(client):
    response = await client.post("/api/v1/things", json={"name": "a", "count": 1})
    assert response.headers["cache-control"] == "no-store"


async def test_over_long_authorization_header_is_401(client):
    response = await client.post(
        "/api/v1/things", json={"name": "a", "count": 1}, headers={"Authorization": "Bearer " + "x" * 9000}
    )
    assert_problem(response, 401, "invalid_token")


async def test_health_and_readiness_are_public(client):
    assert (await client.get("/healthz", headers={"Authorization": ""})).json()["status"] == "ok"
    ready = await client.get("/readyz", headers={"Authorization": ""})
    assert ready.status_code == 200 and ready.json()["database"] == "ok"


async def test_an_unreachable_database_is_a_503_problem_not_a_500(jwks_fetcher, make_token):
    import httpx

    settings = Settings(
        database_url="postgresql+asyncpg://postgres@127.0.0.1:1/nowhere", environment="test", log_json=False
    )
    app = create_service_app(settings, title="t", description="t", routers=[router], jwks_fetcher=jwks_fetcher)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            response = await c.get("/api/v1/things/db", headers={"Authorization": f"Bearer {make_token()}"})
            body = assert_problem(response, 503, "dependency_unavailable")
            assert response.headers["retry-after"] == "5"
            assert "nowhere" not in str(body)
            assert (await c.get("/readyz")).status_code == 503


def test_database_failures_are_told_apart_from_bad_statements():
    from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError

    from shared.errors import database_unavailable

    dropped = DBAPIError("INSERT ...", {}, Exception("terminating connection"), connection_invalidated=True)
    assert database_unavailable(dropped)
    assert database_unavailable(OperationalError("SELECT 1", {}, Exception("could not connect")))
    assert not database_unavailable(ProgrammingError("SELEC 1", {}, Exception("syntax error")))


@pytest.mark.parametrize(("environment", "frozen"), [("development", True), ("production", True), ("test", False)])
async def test_a_started_service_moves_its_long_lived_objects_out_of_the_collectors_sight(
    database_url, jwks_fetcher, environment, frozen
):
    settings = Settings(
        database_url=database_url("registry"),
        environment=environment,
        log_json=False,
        id_number_encryption_key="k" * 43 + "=",
        id_number_hash_key="h" * 43 + "=",
        webhook_secret_key="w" * 43 + "=",
        # Production requires the revocation check, which needs the service's client (its gateway is nowhere here).
        service_client_id="svc-registry",
        service_client_secret="a-real-secret-1",
        gateway_url="http://127.0.0.1:1",
        cursor_key="c" * 43,
    )
    app = create_service_app(settings, title="t", description="t", routers=[router], jwks_fetcher=jwks_fetcher)
    gc.unfreeze()
    try:
        async with app.router.lifespan_context(app):
            assert (gc.get_freeze_count() > 0) is frozen
    finally:
        gc.unfreeze()  # the test process builds many apps: leave nothing frozen behind


async def test_uuid_and_integer_path_parameters_are_matched_only_by_their_shape(client):
    thing = uuid.uuid4()
    assert (await client.get(f"/api/v1/things/{thing}")).json() == str(thing)
    assert (await client.get(f"/api/v1/things/{thing}/parts/3")).json() == {"thing": str(thing), "number": 3}
    # A word where an id goes is no resource (not a 422 about a bad id): /db and /lookup keep their own routes
    # whatever the order they were declared in.
    assert (await client.get("/api/v1/things/lookup")).json() == "lookup"
    assert_problem(await client.get("/api/v1/things/not-an-id"), 404, "not_found")
    assert_problem(await client.get(f"/api/v1/things/{thing}/parts/three"), 404, "not_found")


@pytest.mark.parametrize("service", ["gateway", "registry", "placement", "subsidy", "reporting"])
def test_every_service_types_its_uuid_and_integer_path_parameters(service):
    from fastapi.routing import iter_route_contexts

    app = importlib.import_module(f"{service}.main").create_app()
    untyped = []
    for context in iter_route_contexts(app.routes):
        for param in (getattr(context, "dependant", None) and context.dependant.path_params) or []:
            if param.field_info.annotation in (uuid.UUID, int) and f"{{{param.alias}}}" in context.path:
                untyped.append((context.path, param.alias))
    assert untyped == []
    # The document keeps the plain templates clients know.
    assert not [path for path in app.openapi()["paths"] if ":" in path]
