"""Every public operation of every service is documented for the developers reading /docs: a summary, a
description, a success schema, and its errors as problem+json, including 401 where a token is needed."""

import importlib

import pytest

SERVICES = ["gateway", "registry", "placement", "subsidy", "reporting"]
PUBLIC = {"/healthz", "/readyz", "/api/v1/auth/token", "/.well-known/jwks.json"}


def operations(service: str):
    app = importlib.import_module(f"{service}.main").create_app()
    document = app.openapi()
    for path, item in document["paths"].items():
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
