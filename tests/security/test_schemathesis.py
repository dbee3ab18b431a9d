"""Schemathesis over every service's own OpenAPI document, in-process: every operation gets valid and invalid input
(bounded, derandomized: the same cases every run) with real tokens of the roles that use it, and no answer may be a
server error or break the documented schema (status, content type, body).

Each service is run as its own app through ASGI, inside a rolled-back transaction like every other test, so writes
that succeed are real and leave nothing behind; the gateway runs with its own database and is sent its own operations
(log-in, admin) with an admin's real token from a real log-in. The operations the gateway proxies are the services'
own, tested here at each service (the merged document is the same operations under the same paths). New operations
are covered as soon as their service documents them.

Cases are drawn first, with Hypothesis, and then sent on the test's event loop; a failure lists each broken case
with its request. Besides the drawn cases, every operation gets two probes that random generation finds only by
luck: a NUL in every text it sends, and a made-up cursor where it takes one. Each case is sent with the first role
that is let in (NCO staff, else an NCO admin with audit rights), so it reaches the operation's code, and every
fourth case also as township staff of Dapu (the jurisdiction-scoped paths).

SCHEMATHESIS_EXAMPLES (default 4) sets the cases per operation and mode; raise it locally to search harder.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from placement.main import create_app as create_placement
from registry.main import create_app as create_registry
from reporting.main import create_app as create_reporting
from shared.app import own_openapi
from subsidy.main import create_app as create_subsidy
from tests.conftest import _isolated_client, _settings
from tests.gateway.conftest import ADMIN_PASSWORD, login, running_gateway
from tests.placement.placements.fakes import FakeRegistry

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "4"))
"""Cases per operation and mode (valid, invalid)."""
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
SKIPPED_PATHS = {"/healthz", "/readyz"}
"""Probes without input (a test of their own in tests/shared)."""


def draw_cases(document: dict[str, Any]) -> list[Any]:
    """Up to EXAMPLES valid and EXAMPLES invalid cases of every operation, the same ones every run."""
    schema = schemathesis.openapi.from_dict(document)
    cases: list[Any] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path in SKIPPED_PATHS:
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            drawn = _draw(operation, mode)
            cases.extend(drawn)
            if mode is GenerationMode.POSITIVE and drawn:
                cases.extend(_probes(max(drawn, key=_richness)))
    return cases


CRAFTED_CURSOR = "W1sxXSwgWzJdXQ"  # [[1], [2]] in base64: the shape of no cursor this API issues


def _richness(case: Any) -> int:
    return len(case.query or {}) + len(case.body if isinstance(case.body, dict) else {})


def _probes(case: Any) -> list[Any]:
    """What random generation finds only by luck, tried on every operation: a NUL in every text it sends, and a
    made-up cursor where it takes one."""

    def variant(**changes: Any) -> Any:
        fields = {
            "path_parameters": case.path_parameters,
            "headers": dict(case.headers or {}),
            "query": case.query,
            "body": case.body,
            "media_type": case.media_type,
        }
        return case.operation.Case(**{**fields, **changes})

    body = _with_nul(case.body) if isinstance(case.body, dict | list) else case.body
    probes = [
        variant(
            query={k: _with_nul(v) for k, v in (case.query or {}).items()},
            path_parameters={k: _with_nul(v) for k, v in (case.path_parameters or {}).items()},
            body=body,
        )
    ]
    for name in ("cursor", "after"):
        if any(p.name == name for p in case.operation.query):
            probes.append(variant(query={**(case.query or {}), name: CRAFTED_CURSOR}))
    return probes


def _with_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value[:1] + "\x00" + value[1:]
    if isinstance(value, dict):
        return {k: _with_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_nul(v) for v in value]
    return value


def _draw(operation: Any, mode: GenerationMode) -> list[Any]:
    drawn: list[Any] = []

    @given(case=operation.as_strategy(mode))
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def collect(case: Any) -> None:
        drawn.append(case)

    with contextlib.suppress(Unsatisfiable):  # nothing invalid can be made (no parameters, no body)
        collect()
    return drawn


def request_of(case: Any, token: str) -> dict[str, Any]:
    kwargs = case.as_transport_kwargs(base_url="http://testserver")
    headers = {k: v for k, v in (kwargs.pop("headers", None) or {}).items() if k.lower() != "authorization"}
    headers["Authorization"] = f"Bearer {token}"
    # Percent-encode what is left raw in the path (httpx refuses a control character in a URL).
    url = quote(kwargs["url"], safe=":/?#[]@!$&'()*+,;=%~")
    request: dict[str, Any] = {"method": kwargs["method"], "url": url, "headers": headers}
    if kwargs.get("params"):
        request["params"] = kwargs["params"]
    if kwargs.get("cookies"):
        request["cookies"] = kwargs["cookies"]
    if "json" in kwargs:
        request["json"] = kwargs["json"]
    if kwargs.get("files"):
        request["files"] = [(name, _file_part(part)) for name, part in kwargs["files"]]
    if kwargs.get("data") is not None:
        data = kwargs["data"]
        request["content" if isinstance(data, bytes | str) else "data"] = data
    return request


def _file_part(part: Any) -> Any:
    """httpx sends str or bytes; an invalid case may hold a number or an object: send its JSON text."""
    if isinstance(part, tuple):
        return (part[0], _file_part(part[1]), *part[2:])
    return part if isinstance(part, bytes | str) else json.dumps(part)


async def run_cases(client: httpx.AsyncClient, cases: list[Any], roles: Roles) -> list[str]:
    """Send each case with the first role that is let in (so it reaches the operation's code, not just its
    authorization), and every fourth case also as the restricted role; check every answer."""
    failures: list[str] = []
    for index, case in enumerate(cases):
        tokens = list(roles.broad) + ([roles.restricted] if roles.restricted and index % 4 == 0 else [])
        let_in = False
        for token in tokens:
            if let_in and token is not roles.restricted:
                continue
            request = request_of(case, token)
            response = await client.request(**request)
            response.request.read()  # a multipart body is a stream; the checks read what was sent
            let_in = response.status_code not in (401, 403)
            try:
                case.validate_response(response, checks=CHECKS)
            except (Exception, FailureGroup) as exc:  # one failure, or a group of them, per broken check
                described = " ".join(str(exc).split())[:600]
                failures.append(
                    f"{case.operation.label} -> {response.status_code}: {described}\n    request: "
                    f"{ {k: v for k, v in request.items() if k != 'headers'} }"
                )

    return failures


def assert_no_failures(service: str, cases: list[Any], failures: list[str]) -> None:
    assert cases, f"no cases drawn for {service}"
    assert not failures, f"{len(failures)} of {len(cases)} {service} cases failed:\n" + "\n".join(failures[:40])


@dataclass(frozen=True)
class Roles:
    broad: tuple[str, ...]
    """Tried in turn until one is let in (not 401/403)."""
    restricted: str | None = None
    """Also sent every fourth case: a caller limited to one jurisdiction."""


@pytest.fixture
def service_roles(make_token) -> Roles:
    return Roles(
        broad=(
            make_token(roles=["staff"], department="nco"),
            make_token(roles=["admin", "auditor"], department="nco"),
        ),
        restricted=make_token(roles=["staff"], department="township", jurisdiction="dapu"),
    )


SERVICES: dict[str, Callable[..., Any]] = {
    "registry": create_registry,
    "placement": create_placement,
    "subsidy": create_subsidy,
    "reporting": create_reporting,
}


@pytest.mark.parametrize("service", sorted(SERVICES))
async def test_no_operation_of_a_service_answers_a_server_error_or_breaks_its_schema(
    service, database_url, jwks_fetcher, service_roles
):
    url = database_url(service)
    extra: dict[str, Any] = {}
    if service == "placement":
        extra["registry_transport"] = httpx.MockTransport(FakeRegistry().handle)
    app = SERVICES[service](_settings(service, url), jwks_fetcher=jwks_fetcher, **extra)
    cases = draw_cases(app.openapi())
    async for client, _session in _isolated_client(app, url):
        failures = await run_cases(client, cases, service_roles)
    assert_no_failures(service, cases, failures)


async def test_no_operation_of_the_gateway_answers_a_server_error_or_breaks_its_schema(database_url):
    async with running_gateway(database_url("gateway")) as gateway:
        admin = (await login(gateway, "admin", ADMIN_PASSWORD)).json()["access_token"]
        # Its own operations: FastAPI's document of the gateway app (the merged one adds the services', above).
        cases = draw_cases(own_openapi(gateway.app))  # type: ignore[attr-defined]
        failures = await run_cases(gateway, cases, Roles(broad=(admin,)))
    assert_no_failures("gateway", cases, failures)
