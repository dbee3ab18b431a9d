"""The OpenAPI document of every service and of the gateway, made for the clients integrators generate from it.

Everything here works on what FastAPI already knows from the route objects (never from a function's source), so
a new route is covered without any declaration of its own, except for the headers its success answer sets:

- **operationIds** are the route function's name in camelCase (`list_persons` -> `listPersons`), short and stable;
  the gateway's merge keeps them unique across services (`gateway.routing.openapi`).
- **Public operations** (no bearer token: log-in, JWKS, health) say so with `security: []`; every other one has
  the bearer requirement FastAPI derives from the token dependency.
- **Response headers**: a route that sends `ETag` or `Location` (`shared.concurrency.set_etag`,
  `shared.idempotency.send_created` with `version=` / `location=`, `response.headers["Location"] = ...`) declares
  them where it is declared, `openapi_extra=response_headers(201, "ETag", "Location")`, and FastAPI writes them
  into its success answer; `Idempotent-Replayed` is added to the success answer of every
  operation that accepts an `Idempotency-Key` header (read from the route's parameters), and a success answer's
  headers are listed by name. `Retry-After` is declared on every 429 and 503 by `shared.errors.problem_responses`.
- **Schema titles** are unique: pydantic's `X-Input` / `X-Output` pair (a model read and written differently)
  gets the titles `XInput` / `XOutput`, since generators name classes after titles.
- **Request-side defaults** move into the description. openapi-typescript (default options) types a property
  with a `default` as always present, which is right for answers but makes a client send every defaulted field
  of a request body; a property a client may leave out must not look required.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
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


def response_headers(status: int | tuple[int, ...], *names: str) -> dict[str, Any]:
    """The route's `openapi_extra=` declaring the headers its success answer (`status`, the route's own, or each of
    several: a PUT that creates answers 201, else 200) carries:
    `@router.get(..., openapi_extra=response_headers(200, "ETag"))`. FastAPI merges it into the operation last,
    whatever the route's `responses=` says about that status (its model, description, other media types).
    tests/access checks every successful answer's ETag, Location, Retry-After and Idempotent-Replayed against it."""
    unknown = set(names) - set(RESPONSE_HEADERS)
    if unknown:
        raise ValueError(f"No description of the response header(s) {sorted(unknown)} in RESPONSE_HEADERS.")
    statuses = (status,) if isinstance(status, int) else status
    headers = {name: RESPONSE_HEADERS[name] for name in names}
    return {"responses": {str(each): {"headers": dict(headers)} for each in statuses}}


def _declare_response_headers(app: FastAPI, document: dict[str, Any]) -> None:
    paths = document.get("paths", {})
    for context in iter_route_contexts(app.routes):
        if not isinstance(context.original_route, APIRoute) or not context.include_in_schema:
            continue
        item = paths.get(context.path_format, {})
        replayable = _accepts_header(context.dependant, IDEMPOTENCY_HEADER)
        status = str(context.status_code or 200)
        for method in context.methods:
            responses = item.get(method.lower(), {}).get("responses", {})
            response = responses.get(status)
            if response is None:
                continue
            if replayable:
                response.setdefault("headers", {}).setdefault(
                    "Idempotent-Replayed", RESPONSE_HEADERS["Idempotent-Replayed"]
                )
            for code, answer in responses.items():
                if code.startswith("2") and "headers" in answer:  # by name, after the answer's content
                    answer["headers"] = dict(sorted(answer.pop("headers").items()))


def _accepts_header(dependant: Any, name: str) -> bool:
    if any((param.alias or param.name).lower() == name.lower() for param in dependant.header_params):
        return True
    return any(_accepts_header(sub, name) for sub in dependant.dependencies)


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
