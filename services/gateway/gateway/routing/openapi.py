"""One OpenAPI document for the whole platform, served at the gateway's `/openapi.json` (and so `/docs` and
`/redoc`): the gateway's own operations plus each service's public ones, fetched from the service's
`/openapi.json`.

From a service the merge takes the paths under its route-table prefixes (so not its `/healthz` or
`/readyz`), its component schemas and its tags. A schema with the name of a different, earlier one is
renamed `<Service>_<Name>` (title too: generators name classes after titles) and every `$ref` of that service
follows; identical schemas (the shared `Problem`, for one) appear once. Every merged operation requires the
gateway's bearer scheme and documents the errors the gateway itself can answer for it.

operationIds are the services' own (the route function's name in camelCase, `shared.openapi`); where two
services name a function alike, `OPERATION_IDS` gives each its own id. Should a collision still get through, the
later service's id is prefixed with its name, so the document stays valid (a test keeps that from happening).

The merged document is cached. While a service has never answered, its operations are missing, the
document says so (`x-missing-services`, and in `info.description`), and it is rebuilt at most every
`openapi_retry_seconds`; once complete it is rebuilt every `openapi_max_age_seconds`, keeping a service's
last good document if it is down just then.
"""

from __future__ import annotations

import asyncio
import copy
import json
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response

from gateway.config import Settings
from gateway.routing.table import SERVICES, resolve
from gateway.routing.upstream import Upstreams
from shared.app import own_openapi
from shared.auth import bearer_scheme
from shared.errors import PROBLEM_MEDIA_TYPE, problem_responses

SCHEMA_REF = "#/components/schemas/"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
SECURITY_SCHEME = bearer_scheme.scheme_name
GATEWAY_ERRORS = (401, 413, 429, 431, 502, 503, 504)
"""What the gateway may answer for any proxied operation before or instead of the service."""

Document = dict[str, Any]

OPERATION_IDS: dict[tuple[str, str], str] = {
    ("registry", "listImports"): "listPersonImports",
    ("registry", "getImport"): "getPersonImport",
    ("registry", "listImportIssues"): "listPersonImportIssues",
    ("registry", "listVisits"): "listPersonVisits",
    ("placement", "listImports"): "listPlacementImports",
    ("placement", "getImport"): "getPlacementImport",
    ("placement", "listImportIssues"): "listPlacementImportIssues",
    ("placement", "importFile"): "importPlacementFile",
    ("reporting", "listVisits"): "listSupervisionVisits",
}
"""(service, the service's operationId) -> the id in the merged document, for functions of the same name in two
services (and one name too vague once merged)."""


def _operations(path_item: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    for method in HTTP_METHODS:
        operation = path_item.get(method)
        if isinstance(operation, dict):
            yield operation


def _rewrite_refs(node: Any, renames: Mapping[str, str]) -> Any:
    """A copy of `node` with every `$ref` to a renamed schema pointing at its new name."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith(SCHEMA_REF):
                name = value.removeprefix(SCHEMA_REF)
                out[key] = SCHEMA_REF + renames.get(name, name)
            else:
                out[key] = _rewrite_refs(value, renames)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(item, renames) for item in node]
    return node


def _schema_renames(service: str, incoming: Mapping[str, Any], existing: Mapping[str, Any]) -> dict[str, str]:
    """Which of a service's schemas need a new name: those whose name is taken by a different schema, and
    then those that differ only because they refer to a renamed one (until nothing changes)."""
    renames: dict[str, str] = {}
    changed = True
    while changed:
        changed = False
        for name, schema in incoming.items():
            if name in renames or name not in existing:
                continue
            if _rewrite_refs(schema, renames) != existing[name]:
                new_name = f"{service.capitalize()}_{name}"
                while new_name in existing or new_name in incoming:
                    new_name += "_"
                renames[name] = new_name
                changed = True
    return renames


def _renamed_schema(schema: Any, new_name: str) -> Any:
    """A renamed schema carries its new name as its title too: a client generator names its class after the
    title, and two classes of one name are one too many."""
    if isinstance(schema, dict):
        return {**schema, "title": new_name.replace("_", "")}
    return schema


def _gateway_error_responses() -> dict[str, Any]:
    out = {}
    for status, spec in problem_responses(*GATEWAY_ERRORS).items():
        example = spec["content"][PROBLEM_MEDIA_TYPE]["example"]
        out[str(status)] = {
            "description": spec["description"],
            **({"headers": spec["headers"]} if "headers" in spec else {}),
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": f"{SCHEMA_REF}Problem"}, "example": example}},
        }
    return out


def _merged_operation_id(service: str, own: str | None, taken: set[str | None]) -> str:
    merged = OPERATION_IDS.get((service, own or ""), own or "")
    if merged in taken:
        merged = service + merged[:1].upper() + merged[1:]
    return merged


def merge_documents(gateway: Document, services: Mapping[str, Document | None]) -> Document:
    """The gateway's document plus each service's public part; `None` marks a service that did not answer."""
    merged = copy.deepcopy(gateway)
    paths: dict[str, Any] = merged.setdefault("paths", {})
    components: dict[str, Any] = merged.setdefault("components", {})
    schemas: dict[str, Any] = components.setdefault("schemas", {})
    security_schemes: dict[str, Any] = components.setdefault("securitySchemes", {})
    security_schemes.setdefault(SECURITY_SCHEME, bearer_scheme.model.model_dump(by_alias=True, exclude_none=True))
    tags: list[dict[str, Any]] = merged.setdefault("tags", [])
    tag_names = {tag["name"] for tag in tags}
    operation_ids = {op.get("operationId") for item in paths.values() for op in _operations(item)}
    gateway_errors = _gateway_error_responses()
    missing: list[str] = []

    for service, document in services.items():
        if document is None:
            missing.append(service)
            continue
        incoming = document.get("components", {}).get("schemas", {})
        renames = _schema_renames(service, incoming, schemas)
        for name, schema in incoming.items():
            schema = _rewrite_refs(schema, renames)
            if name in renames:
                schema = _renamed_schema(schema, renames[name])
            schemas.setdefault(renames.get(name, name), schema)
        for path, item in document.get("paths", {}).items():
            if resolve(path) != service:
                continue
            item = _rewrite_refs(item, renames)
            for operation in _operations(item):
                operation["security"] = [{SECURITY_SCHEME: []}]
                responses = operation.setdefault("responses", {})
                for status, response in gateway_errors.items():
                    responses.setdefault(status, copy.deepcopy(response))
                operation["operationId"] = _merged_operation_id(service, operation.get("operationId"), operation_ids)
                operation_ids.add(operation["operationId"])
            paths[path] = item
        for tag in document.get("tags", []):
            if tag.get("name") not in tag_names:
                tags.append(copy.deepcopy(tag))
                tag_names.add(tag.get("name"))

    merged["x-missing-services"] = missing
    if missing:
        info = merged.setdefault("info", {})
        info["description"] = (
            f"{info.get('description', '')}\n\n**Incomplete:** the operations of the "
            f"{', '.join(missing)} service{'s' if len(missing) > 1 else ''} are missing from this document "
            "because the service did not answer; it is rebuilt once it does."
        ).strip()
    return merged


class OpenAPIMerger:
    """Builds and caches the merged document. `clock` is replaceable so tests can move time."""

    def __init__(self, app: FastAPI, upstreams: Upstreams, settings: Settings) -> None:
        self.app = app
        self.upstreams = upstreams
        self.retry_seconds = settings.openapi_retry_seconds
        self.max_age_seconds = settings.openapi_max_age_seconds
        self.clock: Callable[[], float] = time.monotonic
        self._own: Document | None = None
        self._services: dict[str, Document] = {}
        self._document: Document | None = None
        self._body = b""
        self._built_at = float("-inf")
        self._lock = asyncio.Lock()

    def own(self) -> Document:
        """The gateway's own operations only (FastAPI's generator, untouched by the override below)."""
        if self._own is None:
            self._own = own_openapi(self.app)
        return self._own

    def current(self) -> Document:
        """The cached merged document, without waiting for any service (this is `app.openapi`)."""
        if self._document is None:
            return merge_documents(self.own(), {service: self._services.get(service) for service in SERVICES})
        return self._document

    def _fresh(self) -> bool:
        if self._document is None:
            return False
        age = self.clock() - self._built_at
        return age < (self.retry_seconds if self._document["x-missing-services"] else self.max_age_seconds)

    async def body(self) -> bytes:
        if not self._fresh():
            async with self._lock:
                if not self._fresh():
                    await self._rebuild()
        return self._body

    async def _rebuild(self) -> None:
        fetched = await asyncio.gather(*(self.upstreams.fetch_openapi(service) for service in SERVICES))
        for service, document in zip(SERVICES, fetched, strict=True):
            if document is not None:
                self._services[service] = document
        self._document = merge_documents(self.own(), {service: self._services.get(service) for service in SERVICES})
        self._body = json.dumps(self._document, ensure_ascii=False, separators=(",", ":")).encode()
        self._built_at = self.clock()


def install_merged_openapi(app: FastAPI, upstreams: Upstreams, settings: Settings) -> OpenAPIMerger:
    """Serve the merged document at the app's `openapi_url` in place of FastAPI's own route."""
    merger = OpenAPIMerger(app, upstreams, settings)
    app.state.openapi = merger
    app.openapi = merger.current  # type: ignore[method-assign]
    url = app.openapi_url
    if url is None:
        return merger

    async def merged_openapi(request: Request) -> Response:
        return Response(await merger.body(), media_type="application/json")

    app.router.routes[:] = [route for route in app.router.routes if getattr(route, "path", None) != url]
    app.add_route(url, merged_openapi, include_in_schema=False)
    return merger
