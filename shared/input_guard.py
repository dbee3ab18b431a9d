"""Control characters are refused in every text input, once, for every service and the gateway.

A NUL in a name or a search reached PostgreSQL, which cannot store it (a 500); other control characters and lone
UTF-16 surrogates are garbage that a clerk never types, breaks exports and logs, or fails to encode. So
`InputGuardMiddleware`, installed by `shared.app.create_service_app` in front of every route (a new endpoint cannot
forget it), answers 422 problem+json naming each offending field (`query.q`, `path.code`, `body.name`,
`body.members.0.name`) before anything else reads the request:

- the path and the query string (any control character, tab and newline included);
- JSON bodies (what FastAPI parses as JSON: `application/json`, `application/*+json`, or no content type), and
  urlencoded and multipart form fields (not the files): tab, line feed and carriage return are allowed there, as
  free text (notes, addresses) has lines; every other control character is not.

JSON and urlencoded bodies are read whole first (they are bounded by the body limit, which runs outside this) and
handed to the app unchanged. Multipart bodies (file uploads) are checked as they stream to the app: FastAPI reads a
form whole before it runs the route, so a bad field is found before any route code runs, and the app is then told
the client went away while the 422 is sent. Uploaded files' cells are checked by `shared.tabular.read_table`.
JSON nested too deeply to parse is a 400 here too (Python's parser would raise RecursionError, a 500).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.routing import compile_path

from shared.asgi import HttpMiddleware, Refusal, check_streamed_body
from shared.errors import FieldError, problem_response

LINE_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
"""In single-line input (paths, query strings): every C0/C1 control character, DEL, and lone surrogates."""
TEXT_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
"""In free text (bodies, form fields, spreadsheet cells): the same, except tab, line feed and carriage return."""
MAX_ERRORS = 20
MAX_FORM_FIELD_BYTES = 1024 * 1024


def forbidden_character(text: str, *, multiline: bool = True) -> str | None:
    """A message naming the first character `text` may not contain, or None when it is clean."""
    found = (TEXT_FORBIDDEN if multiline else LINE_FORBIDDEN).search(text)
    if found is None:
        return None
    char = found.group()
    what = "an unpaired surrogate" if "\ud800" <= char <= "\udfff" else "a control character"
    return f"Contains {what} (U+{ord(char):04X}), which is not allowed here."


def _media_type(scope: dict[str, Any]) -> tuple[str | None, dict[bytes, bytes]]:
    for name, value in scope["headers"]:
        if name == b"content-type":
            media, options = parse_options_header(value)
            return media.decode("latin-1").lower(), options
    return None, {}


def _is_json(media: str | None) -> bool:
    if media is None:
        return True
    main, _, sub = media.partition("/")
    return main == "application" and (sub == "json" or sub.endswith("+json"))


def _dotted(path: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in path)


def _json_errors(document: Any) -> Iterator[FieldError]:
    stack: list[tuple[tuple[Any, ...], Any]] = [(("body",), document)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            message = forbidden_character(value)
            if message:
                yield FieldError(field=_dotted(path), message=message)
        elif isinstance(value, dict):
            for key, item in reversed(value.items()):
                if forbidden_character(key):
                    yield FieldError(field=_dotted(path), message="A key contains a control character.")
                    continue
                stack.append(((*path, key), item))
        elif isinstance(value, list):
            stack.extend(((*path, index), item) for index, item in reversed(list(enumerate(value))))


def _pairs_errors(pairs: list[tuple[str, str]], location: str, *, multiline: bool) -> Iterator[FieldError]:
    for name, value in pairs:
        if forbidden_character(name, multiline=False):
            yield FieldError(field=location, message="A parameter name contains a control character.")
            continue
        message = forbidden_character(value, multiline=multiline)
        if message:
            yield FieldError(field=f"{location}.{name}", message=message)


def _path_templates(routes: Any, prefix: str = "") -> Iterator[str]:
    for route in routes:
        included = getattr(route, "original_router", None)  # FastAPI's wrapper of an included router
        if included is not None:
            context = getattr(route, "include_context", None)
            yield from _path_templates(included.routes, prefix + (getattr(context, "prefix", "") or ""))
        elif isinstance(getattr(route, "path", None), str):
            yield prefix + (getattr(route, "path_format", None) or route.path)  # without {x:uuid} convertors


def _path_errors(scope: dict[str, Any]) -> list[FieldError]:
    """Name the path parameter that holds the bad character, from the route templates; else the whole path."""
    path = scope["path"]
    app = scope.get("app")
    for template in _path_templates(getattr(app, "routes", ())):
        regex, _, _ = compile_path(template)
        match = regex.match(path)
        if match is None:
            continue
        errors = [
            FieldError(field=f"path.{name}", message=message)
            for name, value in match.groupdict().items()
            if (message := forbidden_character(value, multiline=False))
        ]
        if errors:
            return errors
    return [FieldError(field="path", message=forbidden_character(path, multiline=False) or "")]


class _MultipartFields:
    """Follows a multipart body as it streams and collects the errors of its non-file fields."""

    def __init__(self, boundary: bytes) -> None:
        self.errors: list[FieldError] = []
        self.broken = False
        self._header_name = b""
        self._header_value = b""
        self._name: str | None = None
        self._is_file = False
        self._data = bytearray()
        self._parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._begin,
                "on_header_field": self._header_field,
                "on_header_value": self._header_value_part,
                "on_header_end": self._header_end,
                "on_part_data": self._part_data,
                "on_part_end": self._part_end,
            },
        )

    def feed(self, chunk: bytes) -> None:
        if self.broken or not chunk:
            return
        try:
            self._parser.write(chunk)
        except Exception:  # a malformed body: the app's own parser says so
            self.broken = True

    def _begin(self) -> None:
        self._name, self._is_file, self._data = None, False, bytearray()

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _header_value_part(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        if self._header_name.lower() == b"content-disposition":
            _, options = parse_options_header(self._header_value)
            self._name = options.get(b"name", b"").decode("utf-8", "replace")
            self._is_file = b"filename" in options
        self._header_name, self._header_value = b"", b""

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if not self._is_file and len(self._data) < MAX_FORM_FIELD_BYTES:
            self._data += data[start:end]

    def _part_end(self) -> None:
        if self._is_file or self._name is None:
            return
        name_problem = forbidden_character(self._name, multiline=False)
        message = name_problem or forbidden_character(bytes(self._data).decode("utf-8", "replace"))
        if message:
            field = "body" if name_problem else f"body.{self._name}"
            self.errors.append(FieldError(field=field, message=message))


class InputGuardMiddleware(HttpMiddleware):
    async def handle(self, scope: Any, receive: Any, send: Any) -> None:
        errors: list[FieldError] = []
        if LINE_FORBIDDEN.search(scope.get("path", "")):
            errors.extend(_path_errors(scope))
        query = scope.get("query_string", b"")
        if query:
            pairs = parse_qsl(query.decode("utf-8", "replace"), keep_blank_values=True)
            errors.extend(_pairs_errors(pairs, "query", multiline=False))
        if errors:
            await self._refuse(scope, receive, send, errors)
            return
        if not _has_body(scope):
            await self.app(scope, receive, send)
            return
        media, options = _media_type(scope)
        if _is_json(media) or media == "application/x-www-form-urlencoded":
            await self._check_whole_body(scope, receive, send, form=media == "application/x-www-form-urlencoded")
        elif media == "multipart/form-data" and options.get(b"boundary"):
            await self._check_streamed_form(scope, receive, send, options[b"boundary"])
        else:
            await self.app(scope, receive, send)

    async def _check_whole_body(self, scope: Any, receive: Any, send: Any, *, form: bool) -> None:
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client went away (or the body limit answered already): nothing to do
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        errors: list[FieldError] = []
        if form:
            pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
            errors.extend(_pairs_errors(pairs, "body", multiline=True))
        elif body.strip():
            try:
                document = json.loads(body)
            except RecursionError:
                await _malformed(scope, receive, send)
                return
            except ValueError:
                document = None  # not JSON: FastAPI answers that itself
            errors.extend(_json_errors(document))
        if errors:
            await self._refuse(scope, receive, send, errors)
            return
        replayed = False

        async def replay() -> Any:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _check_streamed_form(self, scope: Any, receive: Any, send: Any, boundary: bytes) -> None:
        fields = _MultipartFields(boundary)

        def check(chunk: bytes) -> Refusal | None:
            fields.feed(chunk)
            return self._refusal(scope, fields.errors) if fields.errors else None

        await check_streamed_body(self.app, scope, receive, send, check)

    async def _refuse(self, scope: Any, receive: Any, send: Any, errors: list[FieldError]) -> None:
        await self._refusal(scope, errors)(scope, receive, send)

    @staticmethod
    def _refusal(scope: Any, errors: list[FieldError]) -> Refusal:
        return problem_response(
            422,
            detail="Some input contains control characters; remove them and try again.",
            instance=_instance(scope),
            errors=errors[:MAX_ERRORS],
        )


def _has_body(scope: dict[str, Any]) -> bool:
    for name, value in scope["headers"]:
        if name == b"transfer-encoding" or (name == b"content-length" and value.strip() != b"0"):
            return True
    return False


async def _malformed(scope: Any, receive: Any, send: Any) -> None:
    response = problem_response(
        400, code="malformed_json", detail="The request body is nested too deeply.", instance=_instance(scope)
    )
    await response(scope, receive, send)


def _instance(scope: dict[str, Any]) -> str:
    """The path as sent (percent-encoded), so a control character in it is not echoed back."""
    raw = scope.get("raw_path")
    if isinstance(raw, bytes):
        return raw.decode("latin-1").split("?", 1)[0]
    return LINE_FORBIDDEN.sub("\ufffd", scope.get("path", ""))
