"""The merged document as the gateway serves it, built in-process from the real services' documents (the same
merge as `/openapi.json`), held to what a client generator needs; and the lint itself, on documents made to fail."""

import functools
import importlib
from typing import Any

import pytest

from gateway.main import create_app as create_gateway
from gateway.routing.openapi import OPERATION_IDS, merge_documents
from gateway.routing.table import SERVICES
from shared.app import own_openapi
from shared.openapi import operations
from tests.contract.lint import (
    MAX_OPERATION_ID,
    ambiguous_paths,
    defaulted_request_properties,
    duplicate_schema_names,
    invalid_examples,
    lint,
    operation_id_problems,
)


@functools.cache
def service_document(service: str) -> dict[str, Any]:
    return importlib.import_module(f"{service}.main").create_app().openapi()


@pytest.fixture(scope="module")
def merged() -> dict[str, Any]:
    return merge_documents(own_openapi(create_gateway()), {service: service_document(service) for service in SERVICES})


def test_the_merged_document_passes_the_lint(merged):
    assert merged["x-missing-services"] == []
    assert {rule: found for rule, found in lint(merged).items() if found} == {}


def test_operation_ids_are_unique_short_and_the_services_own_or_the_tables(merged):
    ids = [operation["operationId"] for *_, operation in operations(merged)]
    assert len(ids) == len(set(ids)) > 100
    assert max(map(len, ids)) <= MAX_OPERATION_ID
    # No id was prefixed by the merge's fallback: a new collision needs a row in OPERATION_IDS (or a better name).
    own = {
        (path, method): (service, operation["operationId"])
        for service in SERVICES
        for path, method, operation in operations(service_document(service))
    }
    for path, method, operation in operations(merged):
        if (path, method) in own and path not in ("/healthz", "/readyz"):
            service, own_id = own[(path, method)]
            assert operation["operationId"] == OPERATION_IDS.get((service, own_id), own_id), (method, path)
    assert {op["operationId"] for *_, op in operations(merged)} >= {"listPersons", "createPlacement", "getPerson"}


def test_public_operations_need_no_token_and_every_other_one_the_bearer(merged):
    public = {
        ("/api/v1/auth/token", "post"),
        ("/.well-known/jwks.json", "get"),
        ("/healthz", "get"),
        ("/readyz", "get"),
    }
    for path, method, operation in operations(merged):
        expected = [] if (path, method) in public else [{"HTTPBearer": []}]
        assert operation["security"] == expected, (method, path)


def test_headers_are_declared_on_the_merged_operations(merged):
    paths = merged["paths"]
    placement = paths["/api/v1/placements"]["post"]
    assert {"Idempotency-Key"} <= {p["name"] for p in placement["parameters"]}
    assert set(placement["responses"]["201"]["headers"]) == {"ETag", "Location", "Idempotent-Replayed"}
    assert set(paths["/api/v1/placements/{placement_id}"]["get"]["responses"]["200"]["headers"]) == {"ETag"}
    assert set(paths["/api/v1/placement-imports"]["post"]["responses"]["202"]["headers"]) >= {"Location"}
    for *_, operation in operations(merged):
        for status in ("429", "503"):
            if status in operation["responses"]:
                assert "Retry-After" in operation["responses"][status]["headers"]


def test_placement_imports_list_declares_its_page_under_a_name_of_its_own(merged):
    """The registry's and placement's ImportJobRead differ: placement's is renamed with its title, so a generator
    makes two classes instead of dropping the second (whose list then returned None)."""
    listed = merged["paths"]["/api/v1/placement-imports"]["get"]["responses"]["200"]["content"]["application/json"]
    name = listed["schema"]["$ref"].rsplit("/", 1)[-1]
    assert name == "Placement_Page_ImportJobRead_"
    assert merged["components"]["schemas"][name]["title"] == "PlacementPageImportJobRead"
    assert duplicate_schema_names(merged) == []


def doc(paths: dict[str, Any], schemas: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": paths,
        "components": {"schemas": schemas or {}},
    }


def get(operation_id: str = "getThing", **extra: Any) -> dict[str, Any]:
    return {"get": {"operationId": operation_id, "responses": {"200": {"description": "ok"}}, **extra}}


def test_the_lint_finds_an_example_its_schema_refuses():
    schemas = {
        "Tier": {"type": "object", "required": ["max"], "properties": {"max": {"type": ["integer", "null"]}}},
        "Policy": {
            "type": "object",
            "properties": {
                "tiers": {"type": "array", "items": {"$ref": "#/components/schemas/Tier"}, "examples": [[{}]]},
                "reason": {"type": "string", "minLength": 4, "examples": ["已整改"]},
                "id": {"type": "string", "format": "uuid", "examples": ["not-a-uuid"]},
                "ok": {"type": "string", "examples": ["fine"], "default": "x"},
            },
        },
    }
    problems = invalid_examples(doc({}, schemas))
    assert len(problems) == 3
    assert all(p.startswith("#/components/schemas/Policy/properties/") for p in problems)
    media = {"content": {"application/json": {"schema": {"type": "integer"}, "example": "x"}}}
    assert invalid_examples(doc({"/a": {"post": {"requestBody": media, "responses": {}}}})) != []


def test_the_lint_finds_paths_one_url_can_match_unless_a_typed_parameter_rules_it_out():
    def param(name: str, schema: dict[str, Any]) -> dict[str, Any]:
        return {"name": name, "in": "path", "required": True, "schema": schema}

    uuid = {"type": "string", "format": "uuid"}
    typed = doc(
        {
            "/posts/suitable-for/{person_id}": get("a", parameters=[param("person_id", uuid)]),
            "/posts/{post_id}/candidates": get("b", parameters=[param("post_id", uuid)]),
        }
    )
    assert ambiguous_paths(typed) == []
    untyped = doc(
        {
            "/posts/suitable-for/{person_id}": get("a", parameters=[param("person_id", {"type": "string"})]),
            "/posts/{post_id}/candidates": get("b", parameters=[param("post_id", {"type": "string"})]),
        }
    )
    assert ambiguous_paths(untyped) == [
        "/posts/suitable-for/{person_id} and /posts/{post_id}/candidates can match the same URL"
    ]


def test_the_lint_finds_two_schemas_that_make_one_class_and_bad_operation_ids():
    schemas = {
        "ImportJobRead": {"type": "object"},
        "Placement_ImportJobRead": {"type": "object", "title": "ImportJobRead"},
    }
    assert duplicate_schema_names(doc({}, schemas)) != []
    bad = doc({"/a": get("list_things_api_v1_things_get"), "/b": get("getThing"), "/c": get("getThing")})
    assert len(operation_id_problems(bad)) == 2


def test_the_lint_finds_a_request_property_a_typescript_client_would_have_to_send():
    schemas = {"ThingCreate": {"type": "object", "properties": {"open": {"type": "boolean", "default": False}}}}
    body = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ThingCreate"}}}}
    document = doc({"/a": {"post": {"operationId": "a", "requestBody": body, "responses": {}}}}, schemas)
    assert defaulted_request_properties(document) == ["ThingCreate.open"]
