"""The pytest side of the access matrix: for one service, a module-scoped stage (its app on one rolled-back
connection, its world, every caller's token) and the two tests every service module gets:

- `test_every_operation_has_a_policy_row`: the operations the app serves and the rows of its table are the same set
  (a new endpoint without a row fails, and so does a row for an endpoint that went away);
- `test_access[<METHOD> <path>]`: one operation called by every caller, judged by its row (tests/access/matrix.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pytest

from tests.access.matrix import (
    DOCUMENTATION,
    LEAK,
    Call,
    Caller,
    Harness,
    Rule,
    World,
    callers,
    declared_headers,
    fill_path,
    isolated,
    operations,
    own_document,
    report,
    tokens_for,
    walk,
)
from tests.conftest import _settings

BODY_METHODS = {"POST", "PUT", "PATCH"}


@dataclass(repr=False)
class Stage:
    harness: Harness
    world: World
    everyone: list[Caller]
    tokens: dict[str, str | None]
    served: set[tuple[str, str]]
    required: dict[tuple[str, str], bool]
    """Per operation: does it need a request body or query parameter that the default call would not send?"""
    declared: dict[tuple[str, str], dict[str, frozenset[str]]]
    """Per operation: the response headers its documented answers declare (matrix.declared_headers)."""


def _needs_more(op: dict[str, Any]) -> bool:
    body = op.get("requestBody", {}).get("required", False)
    query = any(p.get("required") and p["in"] in ("query", "header") for p in op.get("parameters", []))
    return body or query


def call_for(stage: Stage, requests: Mapping[tuple[str, str], Callable[[World], Call]], method: str, path: str) -> Call:
    """The request the world module gives for this operation; without one, the path with the world's ids (enough
    for an operation with no required body or query parameter)."""
    builder = requests.get((method, path))
    if builder is not None:
        return builder(stage.world)
    if stage.required.get((method, path)):
        raise AssertionError(
            f"{method} {path} needs a body or query parameters: add its request to the world module's REQUESTS"
        )
    return Call(fill_path(path, stage.world.ids))


def service_tests(service: str, table: Mapping[tuple[str, str], Rule], world_module: ModuleType):
    """(stage fixture, coverage test, matrix test) for `service`, to be bound to names in its test module."""

    @pytest.fixture(scope="module")
    async def stage(database_url, jwks_fetcher, make_token, signing_key):
        with getattr(world_module, "patched", nullcontext)():
            async for staged in _stage(database_url, jwks_fetcher, make_token, signing_key):
                yield staged

    async def _stage(database_url, jwks_fetcher, make_token, signing_key):
        url = database_url(service)
        app = world_module.make_app(_settings(service, url, log_level="WARNING"), jwks_fetcher)
        async with isolated(app, url) as harness:
            world = await world_module.build(harness, make_token, signing_key=signing_key)
            everyone = callers(*world.employers)
            enrol = getattr(world_module, "enrol", None)
            subjects = await enrol(harness, world, everyone) if enrol is not None else {}
            doc = own_document(app)
            required = {
                (method.upper(), path): _needs_more(op)
                for path, item in doc["paths"].items()
                for method, op in item.items()
            }
            declared = {
                (method.upper(), path): declared_headers(op)
                for path, item in doc["paths"].items()
                for method, op in item.items()
            }
            tokens = tokens_for(everyone, make_token, subjects)
            yield Stage(harness, world, everyone, tokens, operations(app), required, declared)

    def test_every_operation_has_a_policy_row(stage: Stage) -> None:
        missing = sorted(stage.served - set(table))
        stale = sorted(set(table) - stage.served)
        assert not missing, f"operations of {service} without a row in tests/access/{service}.py: {missing}"
        assert not stale, f"rows of tests/access/{service}.py for operations {service} does not serve: {stale}"

    @pytest.mark.parametrize("operation", sorted(table), ids=lambda op: f"{op[0]} {op[1]}")
    async def test_access(stage: Stage, operation: tuple[str, str]) -> None:
        method, path = operation
        if operation not in stage.served:
            pytest.fail(f"{method} {path} is not served by {service} (see test_every_operation_has_a_policy_row)")
        call = call_for(stage, world_module.REQUESTS, method, path)
        reference = operation in DOCUMENTATION or operation in getattr(world_module, "REFERENCE", {})
        listing = method == "GET" and "{" not in path and not table[operation].public
        both_sides = listing and not reference and operation not in getattr(world_module, "NOT_A_LIST", {})
        problems, _ = await walk(
            stage.harness,
            method,
            call,
            table[operation],
            stage.everyone,
            stage.tokens,
            stage.world,
            reference=reference,
            both_sides=both_sides,
            declared=stage.declared.get(operation),
        )
        known = getattr(world_module, "KNOWN_LEAKS", {}).get(operation)
        if known is None:
            assert not problems, report(method, path, problems)
            return
        leaks = [p for p in problems if LEAK in p]
        others = [p for p in problems if LEAK not in p]
        assert not others, report(method, path, others)
        assert leaks, (
            f"{method} {path} no longer leaks ({known}): remove it from KNOWN_LEAKS in tests/access/worlds/{service}.py"
        )

    return stage, test_every_operation_has_a_policy_row, test_access
