"""Every public operation of every service is documented for the developers reading /docs and for the clients
generated from it: a summary, a description, a success schema, its errors as problem+json (401 where a token is
needed), a short camelCase operationId, `security: []` where no token is needed, and a document that passes the
lint of tests/contract/lint.py."""

import functools
import importlib

import pytest

from tests.contract.lint import lint

SERVICES = ["gateway", "registry", "placement", "subsidy", "reporting"]
PUBLIC = {"/healthz", "/readyz", "/api/v1/auth/token", "/.well-known/jwks.json"}


@functools.cache
def document(service: str) -> dict:
    return importlib.import_module(f"{service}.main").create_app().openapi()


def operations(service: str):
    for path, item in document(service)["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


@pytest.mark.parametrize("service", SERVICES)
def test_every_operation_has_a_summary_description_and_problem_errors(service):
    seen = 0
    for path, method, operation in operations(service):
        seen += 1
        where = f"{service} {method.upper()} {path}"
        assert operation.get("summary") and not operation["summary"][0].islower(), where
        assert operation.get("description"), where
        errors = {code: r for code, r in operation["responses"].items() if code[0] in "45"}
        assert errors, where
        for code, response in errors.items():
            content = response.get("content", {})
            assert "application/problem+json" in content, f"{where} {code}"
            assert "application/json" not in content, f"{where} {code}"
        if path not in PUBLIC:
            assert "401" in operation["responses"], where
    assert seen > 2


def test_health_routes_do_not_claim_to_need_a_token():
    for path, _method, operation in operations("registry"):
        if path in ("/healthz", "/readyz"):
            assert "401" not in operation["responses"]


@pytest.mark.parametrize("service", SERVICES)
def test_public_operations_say_they_need_no_token_and_the_others_name_the_bearer_scheme(service):
    for path, method, operation in operations(service):
        if path in PUBLIC:
            assert operation["security"] == [], f"{method} {path}"
        else:
            assert operation["security"] == [{"HTTPBearer": []}], f"{method} {path}"


@pytest.mark.parametrize("service", SERVICES)
def test_each_services_document_passes_the_lint(service):
    problems = {rule: found for rule, found in lint(document(service)).items() if found}
    assert problems == {}


@pytest.mark.parametrize("service", SERVICES)
def test_every_429_and_503_declares_retry_after(service):
    seen = 0
    for path, method, operation in operations(service):
        for status in ("429", "503"):
            if status in operation["responses"]:
                seen += 1
                assert "Retry-After" in operation["responses"][status].get("headers", {}), f"{method} {path} {status}"
    assert seen > 0


def test_the_registrys_headers_are_declared_where_they_are_sent():
    paths = document("registry")["paths"]
    created = paths["/api/v1/persons"]["post"]
    assert "Idempotency-Key" in {p["name"] for p in created["parameters"]}
    assert set(created["responses"]["201"]["headers"]) == {"ETag", "Location", "Idempotent-Replayed"}
    assert set(paths["/api/v1/persons/{person_id}"]["get"]["responses"]["200"]["headers"]) == {"ETag"}
    assert set(paths["/api/v1/persons/{person_id}"]["patch"]["responses"]["200"]["headers"]) == {"ETag"}
    # Through a helper of the router's module (measures' _created) and by assignment (the import's Location).
    measure = paths["/api/v1/persons/{person_id}/measures"]["post"]["responses"]["201"]
    assert set(measure["headers"]) == {"Location", "Idempotent-Replayed"}
    imported = paths["/api/v1/person-imports"]["post"]["responses"]
    assert set(imported["202"]["headers"]) == {"Location", "Idempotent-Replayed"}
    assert "headers" not in imported["200"]  # a dry run creates nothing
    assert "headers" not in paths["/api/v1/persons"]["get"]["responses"]["200"]
