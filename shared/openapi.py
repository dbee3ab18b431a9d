"""The OpenAPI document of every service and of the gateway, made for the clients integrators generate from it.

Everything here works on what FastAPI already knows, so a new route is covered without any declaration of its own:

- **operationIds** are the route function's name in camelCase (`list_persons` -> `listPersons`), short and stable;
  the gateway's merge keeps them unique across services (`gateway.routing.openapi`).
- **Public operations** (no bearer token: log-in, JWKS, health) say so with `security: []`; every other one has
  the bearer requirement FastAPI derives from the token dependency.
- **Response headers**: `Idempotent-Replayed` on the success answer of every operation that accepts an
  `Idempotency-Key`; `ETag` and `Location` on the success answer of the operations whose function sets them,
  read from the function's code: a call of `shared.concurrency.set_etag`, of `shared.idempotency.send_created`
  with `version=` / `location=`, an assignment to `response.headers["Location"]`, also
  inside a helper of the same module it calls. `Retry-After` is declared on every 429 and 503 by
  `shared.errors.problem_responses`.
- **Schema titles** are unique: pydantic's `X-Input` / `X-Output` pair (a model read and written differently)
  gets the titles `XInput` / `XOutput`, since generators name classes after titles.
- **Request-side defaults** move into the description. openapi-typescript (default options) types a property
  with a `default` as always present, which is right for answers but makes a client send every defaulted field
  of a request body; a property a client may leave out must not look required.
"""

from __future__ import annotations

import ast
import functools
import inspect
import json
import re
import textwrap
from collections.abc import Callable, Iterator
from importlib.resources import files
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles

SCHEMA_REF = "#/components/schemas/"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
IDEMPOTENCY_HEADER = "Idempotency-Key"

RESPONSE_HEADERS: dict[str, dict[str, Any]] = {
    "ETag": {
        "description": 'The version of the resource as an entity tag ("<version>"); send it back in If-Match to '
        "change the resource.",
        "schema": {"type": "string", "examples": ['"3"']},
    },
    "Location": {
        "description": "Where the created resource (or the job to follow) can be read.",
        "schema": {"type": "string", "format": "uri-reference", "examples": ["/api/v1/persons/0b7e2f4d-..."]},
    },
    "Idempotent-Replayed": {
        "description": "`true` when this is the stored answer to an earlier request with the same Idempotency-Key "
        "(nothing was done again).",
        "schema": {"type": "string", "enum": ["true"]},
    },
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 0, "examples": [5]},
    },
}


def operation_id(route: Any) -> str:
    """FastAPI's `generate_unique_id_function`: the route function's name in camelCase."""
    return camel_case(route.name)


def resource_operation_id(verb: str, prefix: str) -> str:
    """For a router shared by several services (event feed, audit trail): the verb and the service's own resource,
    `("list", "/api/v1/registry-events")` -> `listRegistryEvents`, unique because prefixes are."""
    return camel_case(f"{verb}_{prefix.rstrip('/').rsplit('/', 1)[-1]}")


def camel_case(name: str) -> str:
    head, *rest = [part for part in re.split(r"[_\W]+", name) if part]
    return head[:1].lower() + head[1:] + "".join(part[:1].upper() + part[1:] for part in rest)


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document.get("paths", {}).items():
        for method in HTTP_METHODS:
            operation = item.get(method)
            if isinstance(operation, dict):
                yield path, method, operation


def finish_document(app: FastAPI, document: dict[str, Any]) -> dict[str, Any]:
    """Everything above, in place (each step may run again on the same document without changing it)."""
    _declare_public_operations(document)
    _declare_response_headers(app, document)
    _title_input_output_pairs(document)
    _describe_request_defaults(document)
    return document


def _declare_public_operations(document: dict[str, Any]) -> None:
    for _path, _method, operation in operations(document):
        operation.setdefault("security", [])


def _declare_response_headers(app: FastAPI, document: dict[str, Any]) -> None:
    paths = document.get("paths", {})
    for context in iter_route_contexts(app.routes):
        if not isinstance(context.original_route, APIRoute) or not context.include_in_schema:
            continue
        item = paths.get(context.path_format, {})
        headers = sent_headers(context.endpoint)
        if _accepts_header(context.dependant, IDEMPOTENCY_HEADER):
            headers.add("Idempotent-Replayed")
        if not headers:
            continue
        status = str(context.status_code or 200)
        for method in context.methods:
            response = item.get(method.lower(), {}).get("responses", {}).get(status)
            if response is None:
                continue
            declared = response.setdefault("headers", {})
            for name in sorted(headers):
                declared.setdefault(name, RESPONSE_HEADERS[name])


def _accepts_header(dependant: Any, name: str) -> bool:
    if any((param.alias or param.name).lower() == name.lower() for param in dependant.header_params):
        return True
    return any(_accepts_header(sub, name) for sub in dependant.dependencies)


@functools.cache
def sent_headers(function: Callable[..., Any], depth: int = 0) -> set[str]:
    """The response headers `function` sets through shared's helpers or `headers[...] = `, looking into the
    functions of its own module that it calls (two levels)."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):
        return set()
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            found |= _headers_of_call(function, node, depth)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                name = _assigned_header(target)
                if name is not None:
                    found.add(name)
    return found


def _headers_of_call(function: Callable[..., Any], call: ast.Call, depth: int) -> set[str]:
    name = call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", None)
    if name == "set_etag":
        return {"ETag"}
    if name == "send_created":
        given = {kw.arg for kw in call.keywords if not _is_none(kw.value)}
        return {header for arg, header in (("version", "ETag"), ("location", "Location")) if arg in given}
    callee = function.__globals__.get(name) if isinstance(call.func, ast.Name) and depth < 2 else None
    if inspect.isfunction(callee) and callee.__module__ == function.__module__ and callee is not function:
        return sent_headers(callee, depth + 1)
    return set()


def _assigned_header(target: ast.expr) -> str | None:
    """`<x>.headers["Location"] = ...` -> "Location" (the headers we declare only)."""
    if (
        isinstance(target, ast.Subscript)
        and isinstance(target.value, ast.Attribute)
        and target.value.attr == "headers"
        and isinstance(target.slice, ast.Constant)
        and isinstance(target.slice.value, str)
    ):
        wanted = {name.lower(): name for name in RESPONSE_HEADERS}
        return wanted.get(target.slice.value.lower())
    return None


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _title_input_output_pairs(document: dict[str, Any]) -> None:
    for name, schema in document.get("components", {}).get("schemas", {}).items():
        if name.endswith(("-Input", "-Output")) and isinstance(schema, dict):
            schema["title"] = name.replace("-", "")


def request_side_schemas(document: dict[str, Any]) -> set[str]:
    """The component schemas a request body or parameter refers to, directly or through others."""
    schemas = document.get("components", {}).get("schemas", {})
    roots: set[str] = set()
    for _path, _method, operation in operations(document):
        roots |= schema_refs(operation.get("requestBody", {})) | schema_refs(operation.get("parameters", []))
    seen: set[str] = set()
    pending = list(roots)
    while pending:
        name = pending.pop()
        if name in seen or name not in schemas:
            continue
        seen.add(name)
        pending.extend(schema_refs(schemas[name]))
    return seen


def schema_refs(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith(SCHEMA_REF):
                found.add(value.removeprefix(SCHEMA_REF))
            else:
                found |= schema_refs(value)
    elif isinstance(node, list):
        for item in node:
            found |= schema_refs(item)
    return found


def _describe_request_defaults(document: dict[str, Any]) -> None:
    schemas = document.get("components", {}).get("schemas", {})
    for name in request_side_schemas(document):
        schema = schemas[name]
        required = set(schema.get("required", []))
        for field, prop in schema.get("properties", {}).items():
            if isinstance(prop, dict) and "default" in prop and field not in required:
                default = json.dumps(prop.pop("default"), ensure_ascii=False)
                text = f"Default when left out: {default}."
                prop["description"] = f"{prop['description'].rstrip()} {text}" if prop.get("description") else text


DOCS_ASSETS_URL = "/docs/assets"
"""Swagger UI 5 and ReDoc 2 from the pinned `fastapi-offline` wheel, served by the app itself: the docs load nothing
from a CDN or Google Fonts, so they work on an intranet without internet."""


class _DocsAssets(StaticFiles):
    """The docs' scripts and styles; they change only with the pinned package, so browsers may keep them a day."""

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = "public, max-age=86400"
        return response


def install_offline_docs(app: FastAPI) -> None:
    """`/docs` (Swagger UI) and `/redoc` (ReDoc) over the app's `openapi_url`, every asset served locally. Call on an
    app made with `docs_url=None, redoc_url=None`."""
    openapi_url = app.openapi_url or "/openapi.json"
    oauth2_redirect = "/docs/oauth2-redirect"
    app.mount(DOCS_ASSETS_URL, _DocsAssets(directory=files("fastapi_offline") / "static"), name="docs-assets")

    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{openapi_url}",
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{root}{DOCS_ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{DOCS_ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{DOCS_ASSETS_URL}/favicon.png",
            oauth2_redirect_url=f"{root}{oauth2_redirect}",
            # No validator badge: Swagger UI would send the document to validator.swagger.io for it.
            swagger_ui_parameters={"validatorUrl": None, "persistAuthorization": False},
        )

    async def swagger_ui_redirect(request: Request) -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=f"{root}{openapi_url}",
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{DOCS_ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{DOCS_ASSETS_URL}/favicon.png",
            with_google_fonts=False,
        )

    app.add_route("/docs", swagger_ui, include_in_schema=False)
    app.add_route(oauth2_redirect, swagger_ui_redirect, include_in_schema=False)
    app.add_route("/redoc", redoc, include_in_schema=False)
