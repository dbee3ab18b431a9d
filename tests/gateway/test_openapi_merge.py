"""The gateway's `/openapi.json` is one document: its own operations plus each service's public ones."""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from gateway.routing.openapi import merge_documents
from registry.config import Settings as RegistrySettings
from registry.main import create_app as create_registry
from tests.gateway.conftest import running_gateway
from tests.gateway.upstreams import FakeUpstreams

SCHEMA_REF = "#/components/schemas/"


@pytest.fixture
def gateway(gateway_with_upstreams) -> httpx.AsyncClient:
    return gateway_with_upstreams


async def merged(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    return response.json()


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)


def operations(document: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        if path.startswith(prefix):
            for method, operation in item.items():
                yield path, method, operation


def gateway_only(app: FastAPI) -> dict[str, Any]:
    return app.state.openapi.own()


async def test_one_document_has_the_gateways_and_the_services_operations(gateway):
    document = await merged(gateway)
    paths = document["paths"]
    assert "/api/v1/auth/token" in paths and "/api/v1/admin/users" in paths
    assert "post" in paths["/api/v1/employers/items"]
    assert "get" in paths["/api/v1/subsidy-policies/items"]
    assert "/api/v1/indicators/users-like" in paths and "/api/v1/jurisdictions/problem" in paths
    assert "/internal/stats" not in paths  # a service path outside the route table is not published
    assert document["x-missing-services"] == []
    assert "Incomplete" not in document["info"]["description"]


async def test_service_health_routes_do_not_replace_the_gateways(gateway):
    document = await merged(gateway)
    own = gateway_only(gateway.app)
    assert document["paths"]["/healthz"] == own["paths"]["/healthz"]
    assert document["paths"]["/readyz"] == own["paths"]["/readyz"]
    summaries = {op.get("summary") for _, _, op in operations(document)}
    assert not any(summary and summary.startswith("Fake") for summary in summaries)


async def test_a_colliding_schema_is_renamed_and_every_ref_follows(gateway):
    document = await merged(gateway)
    schemas = document["components"]["schemas"]
    # placement's Item came first and keeps its name; subsidy's different Item is renamed.
    assert set(schemas["Item"]["properties"]) == {"name"}
    assert set(schemas["Subsidy_Item"]["properties"]) == {"amount"}
    subsidy_post = document["paths"]["/api/v1/subsidy-policies/items"]["post"]
    body_ref = subsidy_post["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert body_ref == f"{SCHEMA_REF}Subsidy_Item"
    placement_post = document["paths"]["/api/v1/employers/items"]["post"]
    assert placement_post["requestBody"]["content"]["application/json"]["schema"]["$ref"] == f"{SCHEMA_REF}Item"
    # A schema that only refers to the renamed one keeps its name but follows the rename.
    assert schemas["ItemPage"]["properties"]["items"]["items"]["$ref"] == f"{SCHEMA_REF}Subsidy_Item"
    # A service's schema never replaces the gateway's own.
    assert schemas["UserRead"] == gateway_only(gateway.app)["components"]["schemas"]["UserRead"]
    assert set(schemas["Reporting_UserRead"]["properties"]) == {"indicator"}
    # Identical schemas (the shared Problem, FastAPI's validation errors) appear once.
    assert not [name for name in schemas if name.endswith(("_Problem", "_HTTPValidationError", "_ValidationError"))]
    dangling = {ref for ref in refs(document) if ref.removeprefix(SCHEMA_REF) not in schemas}
    assert dangling == set()


async def test_every_service_operation_needs_the_gateways_bearer_token_and_lists_its_errors(gateway):
    document = await merged(gateway)
    assert set(document["components"]["securitySchemes"]) == {"HTTPBearer"}
    service_operations = [
        op for prefix in ("/api/v1/employers", "/api/v1/indicators") for *_, op in operations(document, prefix)
    ]
    assert len(service_operations) >= 5
    for operation in service_operations:
        assert operation["security"] == [{"HTTPBearer": []}]
        for status in ("401", "413", "429", "502", "503", "504"):
            content = operation["responses"][status]["content"]["application/problem+json"]
            assert content["schema"] == {"$ref": f"{SCHEMA_REF}Problem"}
    # A service's own documented error is kept as it is.
    conflict = document["paths"]["/api/v1/employers/items"]["post"]["responses"]["409"]
    assert conflict["description"] == "Conflict"
    operation_ids = [op["operationId"] for *_, op in operations(document)]
    assert len(operation_ids) == len(set(operation_ids))


async def test_tags_are_the_union_without_duplicates(gateway):
    tags = (await merged(gateway))["tags"]
    names = [tag["name"] for tag in tags]
    assert names[:2] == ["auth", "admin"]
    assert set(names) >= {"registry", "placement", "subsidy", "reporting"}
    assert len(names) == len(set(names))
    assert tags[0]["description"] == "Log-in, tokens and the public keys that verify them."


async def test_a_down_service_is_listed_missing_and_included_once_it_answers(gateway, upstreams):
    await upstreams.take_down("reporting")
    merger = gateway.app.state.openapi
    now = [1000.0]
    merger.clock = lambda: now[0]
    document = await merged(gateway)
    assert document["x-missing-services"] == ["reporting"]
    assert "reporting" in document["info"]["description"]
    assert not [path for path in document["paths"] if path.startswith(("/api/v1/indicators", "/api/v1/targets"))]
    assert "/api/v1/employers/items" in document["paths"]

    await upstreams.bring_up("reporting")
    fetches = len(upstreams.calls_to("reporting", "/openapi.json"))
    now[0] += 5  # within the retry interval: the cached document, no new fetch
    assert (await merged(gateway))["x-missing-services"] == ["reporting"]
    assert len(upstreams.calls_to("reporting", "/openapi.json")) == fetches

    now[0] += 6
    document = await merged(gateway)
    assert document["x-missing-services"] == []
    assert "/api/v1/indicators/users-like" in document["paths"]
    assert "Incomplete" not in document["info"]["description"]
    assert gateway.app.openapi() == document


async def test_a_complete_document_keeps_a_services_last_good_copy_when_it_goes_down(gateway, upstreams):
    merger = gateway.app.state.openapi
    now = [1000.0]
    merger.clock = lambda: now[0]
    await merged(gateway)
    await upstreams.take_down("placement")
    now[0] += 10_000
    document = await merged(gateway)
    assert len(upstreams.calls_to("placement", "/openapi.json")) == 2
    assert document["x-missing-services"] == []
    assert "/api/v1/employers/items" in document["paths"]


async def test_docs_and_redoc_read_the_merged_document(gateway):
    for page in ("/docs", "/redoc"):
        response = await gateway.get(page)
        assert response.status_code == 200 and "/openapi.json" in response.text
    assert "/api/v1/employers/items" in (await merged(gateway))["paths"]


async def test_with_the_real_registry_service(database_url, upstreams):
    registry = create_registry(RegistrySettings(environment="test", log_json=False))
    upstreams = FakeUpstreams(apps={**upstreams.apps, "registry": registry})
    async with running_gateway(database_url("gateway"), upstreams=upstreams) as client:
        document = await merged(client)
    registry_paths = [path for path in registry.openapi()["paths"] if path.startswith("/api/v1/jurisdictions")]
    assert registry_paths
    for path in registry_paths:
        assert document["paths"][path].keys() == registry.openapi()["paths"][path].keys()
    assert {"name": "jurisdictions"}.items() <= next(
        t for t in document["tags"] if t["name"] == "jurisdictions"
    ).items()
    assert {
        ref for ref in refs(document) if ref.removeprefix(SCHEMA_REF) not in document["components"]["schemas"]
    } == set()


def test_merge_renames_through_chains_and_keeps_operation_ids_unique():
    def doc(schemas: dict[str, Any], paths: dict[str, Any]) -> dict[str, Any]:
        return {
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "paths": paths,
            "components": {"schemas": schemas},
        }

    def ref(name: str) -> dict[str, str]:
        return {"$ref": f"{SCHEMA_REF}{name}"}

    gateway = doc(
        {"A": {"type": "string"}, "B": {"properties": {"a": ref("A")}}},
        {"/api/v1/auth/x": {"get": {"operationId": "op", "responses": {}}}},
    )
    placement = doc(
        # A collides; B is identical in text but means something else through A; C only refers to B.
        {"A": {"type": "integer"}, "B": {"properties": {"a": ref("A")}}, "C": {"items": ref("B")}},
        {
            "/api/v1/employers": {
                "get": {"operationId": "op", "responses": {"200": {"content": {"j": {"schema": ref("C")}}}}}
            }
        },
    )
    result = merge_documents(gateway, {"placement": placement, "subsidy": None})
    schemas = result["components"]["schemas"]
    # A renamed schema's title follows its name: generators name their classes after titles.
    assert schemas["A"] == {"type": "string"} and schemas["Placement_A"] == {"type": "integer", "title": "PlacementA"}
    assert schemas["Placement_B"] == {"properties": {"a": ref("Placement_A")}, "title": "PlacementB"}
    assert schemas["C"] == {"items": ref("Placement_B")}
    assert result["paths"]["/api/v1/employers"]["get"]["operationId"] == "placementOp"
    assert result["x-missing-services"] == ["subsidy"]


def test_operation_ids_of_functions_named_alike_in_two_services_come_from_the_table():
    def doc(path: str, op_id: str) -> dict[str, Any]:
        return {"paths": {path: {"get": {"operationId": op_id, "responses": {}}}}, "components": {"schemas": {}}}

    gateway = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {}}
    result = merge_documents(
        gateway,
        {
            "registry": doc("/api/v1/person-imports", "listImports"),
            "placement": doc("/api/v1/placement-imports", "listImports"),
            "reporting": doc("/api/v1/supervision-visits", "listVisits"),
        },
    )
    ids = {path: item["get"]["operationId"] for path, item in result["paths"].items()}
    assert ids == {
        "/api/v1/person-imports": "listPersonImports",
        "/api/v1/placement-imports": "listPlacementImports",
        "/api/v1/supervision-visits": "listSupervisionVisits",
    }


async def test_the_gateways_own_errors_declare_retry_after_where_they_send_it(gateway):
    document = await merged(gateway)
    responses = document["paths"]["/api/v1/employers/items"]["post"]["responses"]
    assert set(responses["429"]["headers"]) == {"Retry-After"}
    assert set(responses["503"]["headers"]) == {"Retry-After"}
    assert "headers" not in responses["502"]
