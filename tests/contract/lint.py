"""A lint of an OpenAPI document for the clients generated from it, in Python only (the suite needs no npm):

- every example (and default) conforms to its schema (JSON Schema 2020-12, formats checked, `$ref`s resolved);
- no two component schemas give a generator one class name (title, else the key, as a class name);
- no two path templates can match one URL: at each segment two literals must be equal, and a parameter can only
  take a literal its schema admits (`{post_id}` with `format: uuid` never matches `suitable-for`);
- operationIds: present, unique, camelCase, at most `MAX_OPERATION_ID` characters;
- no request-side property has a `default` without being required (openapi-typescript would make clients send it).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import jsonschema_rs

from shared.openapi import operations, request_side_schemas

MAX_OPERATION_ID = 32
_SUBSCHEMA_KEYS = ("items", "additionalProperties", "not", "contains", "propertyNames", "if", "then", "else")
_SUBSCHEMA_LISTS = ("anyOf", "allOf", "oneOf", "prefixItems")
_SUBSCHEMA_MAPS = ("properties", "patternProperties", "$defs", "dependentSchemas")


def _schema_nodes(schema: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if not isinstance(schema, dict):
        return
    yield where, schema
    for key in _SUBSCHEMA_KEYS:
        yield from _schema_nodes(schema.get(key), f"{where}/{key}")
    for key in _SUBSCHEMA_LISTS:
        for index, sub in enumerate(schema.get(key) or []):
            yield from _schema_nodes(sub, f"{where}/{key}/{index}")
    for key in _SUBSCHEMA_MAPS:
        for name, sub in (schema.get(key) or {}).items():
            yield from _schema_nodes(sub, f"{where}/{key}/{name}")


def _media_examples(media: dict[str, Any]) -> list[Any]:
    values = [media["example"]] if "example" in media else []
    values += [e["value"] for e in (media.get("examples") or {}).values() if isinstance(e, dict) and "value" in e]
    return values


def _checks(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], Any]]:
    """(where, schema, value) for every example and default in the document."""
    roots: list[tuple[str, Any]] = [
        (f"#/components/schemas/{name}", schema)
        for name, schema in document.get("components", {}).get("schemas", {}).items()
    ]
    for path, method, operation in operations(document):
        at = f"{method.upper()} {path}"
        for param in operation.get("parameters", []):
            schema = param.get("schema", {})
            roots.append((f"{at} parameter {param.get('name')}", schema))
            for value in _media_examples(param):
                yield f"{at} parameter {param.get('name')} example", schema, value
        bodies = [("request", operation.get("requestBody", {}))]
        bodies += [(f"response {status}", response) for status, response in operation.get("responses", {}).items()]
        for label, body in bodies:
            for media_type, media in (body.get("content") or {}).items():
                schema = media.get("schema", {})
                roots.append((f"{at} {label} {media_type}", schema))
                for value in _media_examples(media):
                    yield f"{at} {label} {media_type} example", schema, value
            for name, header in (body.get("headers") or {}).items():
                roots.append((f"{at} {label} header {name}", header.get("schema", {})))
    for where, root in roots:
        for at, node in _schema_nodes(root, where):
            for index, value in enumerate(node.get("examples") or [] if isinstance(node.get("examples"), list) else []):
                yield f"{at} examples[{index}]", node, value
            if "example" in node:
                yield f"{at} example", node, node["example"]
            if "default" in node:
                yield f"{at} default", node, node["default"]


_DOCUMENT_URI = "urn:qihang:openapi"


def _absolute_refs(node: Any) -> Any:
    """`#/components/...` -> `urn:qihang:openapi#/components/...`, so a fragment of the document resolves its
    references in the registry that holds the whole document."""
    if isinstance(node, dict):
        return {
            key: _DOCUMENT_URI + value
            if key == "$ref" and isinstance(value, str) and value.startswith("#/")
            else _absolute_refs(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_absolute_refs(item) for item in node]
    return node


def invalid_examples(document: dict[str, Any]) -> list[str]:
    registry = jsonschema_rs.Registry([(_DOCUMENT_URI, _absolute_refs({"components": document.get("components", {})}))])
    problems = []
    for where, schema, value in _checks(document):
        validator = jsonschema_rs.Draft202012Validator(_absolute_refs(schema), registry=registry, validate_formats=True)
        errors = [error.message for error in validator.iter_errors(value)]
        if errors:
            problems.append(f"{where}: {errors[0]}")
    return problems


def class_name(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^0-9A-Za-z]+", name) if part)


def duplicate_schema_names(document: dict[str, Any]) -> list[str]:
    seen: dict[str, str] = {}
    problems = []
    for key, schema in document.get("components", {}).get("schemas", {}).items():
        for name in {class_name(key), class_name(schema.get("title") or key)}:
            if name in seen and seen[name] != key:
                problems.append(f"{key} and {seen[name]} both make the class {name}")
            seen.setdefault(name, key)
    return problems


def _param_schemas(document: dict[str, Any], path: str) -> dict[str, dict[str, Any]]:
    item = document["paths"][path]
    found = {p["name"]: p.get("schema", {}) for p in item.get("parameters", []) if p.get("in") == "path"}
    for _p, _m, operation in operations({"paths": {path: item}}):
        for p in operation.get("parameters", []):
            if p.get("in") == "path":
                found.setdefault(p["name"], p.get("schema", {}))
    return found


def _admits(schema: dict[str, Any], literal: str) -> bool:
    """Whether a path parameter with this schema can take the literal segment."""
    if "enum" in schema:
        return literal in {str(v) for v in schema["enum"]}
    if schema.get("type") in ("integer", "number"):
        return re.fullmatch(r"-?\d+(\.\d+)?", literal) is not None
    if schema.get("format") == "uuid":
        try:
            uuid.UUID(literal)
        except ValueError:
            return False
        return True
    if "pattern" in schema and re.search(schema["pattern"], literal) is None:
        return False
    if "anyOf" in schema:
        return any(_admits(sub, literal) for sub in schema["anyOf"])
    return True


def _segments_overlap(a: str, b: str, params_a: dict[str, Any], params_b: dict[str, Any]) -> bool:
    name_a = a[1:-1] if a.startswith("{") else None
    name_b = b[1:-1] if b.startswith("{") else None
    if name_a is None and name_b is None:
        return a == b
    if name_a is not None and name_b is not None:
        return True
    if name_a is not None:
        return _admits(params_a.get(name_a, {}), b)
    return _admits(params_b.get(name_b, {}), a)


def ambiguous_paths(document: dict[str, Any]) -> list[str]:
    paths = list(document.get("paths", {}))
    params = {path: _param_schemas(document, path) for path in paths}
    problems = []
    for i, first in enumerate(paths):
        for second in paths[i + 1 :]:
            a, b = first.strip("/").split("/"), second.strip("/").split("/")
            if len(a) != len(b):
                continue
            if all(_segments_overlap(x, y, params[first], params[second]) for x, y in zip(a, b, strict=True)):
                problems.append(f"{first} and {second} can match the same URL")
    return problems


def operation_id_problems(document: dict[str, Any]) -> list[str]:
    problems = []
    seen: dict[str, str] = {}
    for path, method, operation in operations(document):
        at = f"{method.upper()} {path}"
        op_id = operation.get("operationId")
        if not op_id:
            problems.append(f"{at}: no operationId")
            continue
        if not re.fullmatch(r"[a-z][A-Za-z0-9]*", op_id) or len(op_id) > MAX_OPERATION_ID:
            problems.append(f"{at}: operationId {op_id!r} is not short camelCase")
        if op_id in seen:
            problems.append(f"{at}: operationId {op_id!r} is also {seen[op_id]}")
        seen[op_id] = at
    return problems


def defaulted_request_properties(document: dict[str, Any]) -> list[str]:
    schemas = document.get("components", {}).get("schemas", {})
    problems = []
    for name in sorted(request_side_schemas(document)):
        required = set(schemas[name].get("required", []))
        for field, prop in schemas[name].get("properties", {}).items():
            if isinstance(prop, dict) and "default" in prop and field not in required:
                problems.append(f"{name}.{field}")
    return problems


def lint(document: dict[str, Any]) -> dict[str, list[str]]:
    """Every problem the rules above find, by rule; an empty list each when the document is clean."""
    return {
        "invalid examples": invalid_examples(document),
        "duplicate schema names": duplicate_schema_names(document),
        "ambiguous paths": ambiguous_paths(document),
        "operationIds": operation_id_problems(document),
        "request defaults typed as required": defaulted_request_properties(document),
    }
