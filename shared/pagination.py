"""Bounded cursor pages: `?limit=` (default 50, max 200) and an opaque, signed `cursor`.

A cursor is the position after the last row of a page (its sort-key values), as JSON in URL-safe base64, followed
by `.` and an HMAC-SHA256 (first 16 bytes) of that JSON under the service's `cursor_key` setting and a `tag` naming
the list and sort it belongs to. A cursor that was altered, made up, or issued by another list, sort or service is
refused with 400 `invalid_cursor` before it reaches a query, so a crafted one can neither fail in the database nor
silently return an empty page. `keyset_page` tags its cursors with its sort keys and direction itself.

The key comes from the request: `CursorKeyMiddleware` (installed by `shared.app.create_service_app`) sets it from
the settings for everything the request runs, background tasks and streamed bodies included; outside a request the
development key is used. Changing a service's key invalidates the list cursors it has handed out (a client starts
the list again). The event feeds' positions (`shared.outbox`) are not signed: followers keep them for days across
restarts and key changes, and the feed checks them strictly itself (`encode_position` / `decode_position`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import Select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from shared.config import DEV_CURSOR_KEY
from shared.errors import AppError

T = TypeVar("T")
DEFAULT_LIMIT = 50
MAX_LIMIT = 200
SIGNATURE_BYTES = 16

cursor_key_var: ContextVar[bytes | None] = ContextVar("cursor_key", default=None)


class InvalidCursor(AppError):
    status, code, title = 400, "invalid_cursor", "Invalid cursor"

    def __init__(self, detail: str | None = None, **kwargs: Any) -> None:
        super().__init__(
            detail or "The cursor is not one this list issued: start again without a cursor and follow next_cursor.",
            **kwargs,
        )


class Page(BaseModel, Generic[T]):
    """One page of a list. Pass `next_cursor` back as `cursor` to get the next page; null means the end."""

    items: list[T]
    next_cursor: str | None = Field(default=None, description="Opaque cursor of the next page, or null at the end.")
    limit: int = Field(description="The page size used.", examples=[50])

    @classmethod
    def of(cls, found: tuple[list[Any], str | None], params: PageParams) -> Page[Any]:
        """The page of a service's `(items, next_cursor)`: `return Page.of(await service.list_x(...), params)`."""
        items, next_cursor = found
        return cls(items=items, next_cursor=next_cursor, limit=params.limit)


@dataclass(frozen=True)
class PageParams:
    limit: int
    cursor: str | None


def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size (1-200).")] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None, Query(max_length=512, description="`next_cursor` of the previous page, unchanged.")
    ] = None,
) -> PageParams:
    return PageParams(limit=limit, cursor=cursor)


PageParamsDep = Annotated[PageParams, Depends(page_params)]


class CursorKeyMiddleware:
    """Makes `key` the cursor-signing key of everything a request runs (one per app: each service has its own)."""

    def __init__(self, app: Any, key: str) -> None:
        self.app = app
        self.key = key.encode()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        token = cursor_key_var.set(self.key)
        try:
            await self.app(scope, receive, send)
        finally:
            cursor_key_var.reset(token)


def _signature(payload: bytes, tag: str) -> bytes:
    key = cursor_key_var.get() or DEV_CURSOR_KEY.encode()
    return hmac.new(key, tag.encode() + b"\x00" + payload, hashlib.sha256).digest()[:SIGNATURE_BYTES]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode((text + "=" * (-len(text) % 4)).encode())


def encode_cursor(values: list[Any], *, tag: str = "") -> str:
    """A signed cursor for `values` (JSON; other types as str). `tag`: the list and sort it belongs to."""
    raw = json.dumps(values, default=str, separators=(",", ":")).encode()
    return f"{_b64(raw)}.{_b64(_signature(raw, tag))}"


def decode_cursor(cursor: str, size: int, *, tag: str = "") -> list[Any]:
    """The `size` values of a cursor `encode_cursor` made with the same tag; InvalidCursor (400) for anything else."""
    payload, dot, signature = cursor.partition(".")
    try:
        if not dot or not payload.isascii() or not signature.isascii():
            raise ValueError("unsigned")
        raw, given = _unb64(payload), _unb64(signature)
    except (binascii.Error, ValueError) as exc:
        raise InvalidCursor() from exc
    if not hmac.compare_digest(given, _signature(raw, tag)):
        raise InvalidCursor()
    return _values(raw, size)


def encode_position(values: list[Any]) -> str:
    """An unsigned cursor, for positions that must outlive key changes and are checked by their reader."""
    return _b64(json.dumps(values, default=str, separators=(",", ":")).encode())


def decode_position(cursor: str, size: int) -> list[Any]:
    try:
        if not cursor.isascii():
            raise ValueError("not base64")
        raw = _unb64(cursor)
    except (binascii.Error, ValueError) as exc:
        raise InvalidCursor() from exc
    return _values(raw, size)


def _values(raw: bytes, size: int) -> list[Any]:
    try:
        values = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidCursor() from exc
    if not isinstance(values, list) or len(values) != size:
        raise InvalidCursor()
    return values


def sort_tag(keys: list[InstrumentedAttribute[Any]], descending: bool) -> str:
    """What a keyset cursor is bound to: its sort columns and direction."""
    return ",".join(str(k) for k in keys) + (" desc" if descending else " asc")


def _after_cursor(
    stmt: Select[Any],
    params: PageParams,
    keys: list[InstrumentedAttribute[Any]],
    descending: bool,
    convert: list[Any] | None,
) -> tuple[Select[Any], str]:
    """`stmt` ordered by `keys` from the cursor on (limited to a page and one row more), and the cursors' tag."""
    tag = sort_tag(keys, descending)
    if params.cursor:
        values = decode_cursor(params.cursor, len(keys), tag=tag)
        if convert:
            try:
                values = [conv(v) if conv else v for conv, v in zip(convert, values, strict=True)]
            except (TypeError, ValueError) as exc:
                raise InvalidCursor() from exc
        row_key = tuple_(*keys)
        stmt = stmt.where(row_key < tuple_(*values) if descending else row_key > tuple_(*values))
    order = [k.desc() for k in keys] if descending else [k.asc() for k in keys]
    return stmt.order_by(*order).limit(params.limit + 1), tag


def _cut(
    rows: list[Any], params: PageParams, key_of: Callable[[Any], list[Any]], tag: str
) -> tuple[list[Any], str | None]:
    """A page of `rows` (read one more than the page), and the cursor after its last row if there are more."""
    if len(rows) <= params.limit:
        return rows, None
    rows = rows[: params.limit]
    return rows, encode_cursor(key_of(rows[-1]), tag=tag)


async def keyset_page(
    session: AsyncSession,
    stmt: Select[Any],
    params: PageParams,
    *,
    keys: list[InstrumentedAttribute[Any]],
    descending: bool = False,
    convert: list[Any] | None = None,
) -> tuple[list[Any], str | None]:
    """Run `stmt` ordered by `keys` (the last one unique) from the cursor; return rows and the next cursor.
    `convert` turns cursor JSON values back into column types (e.g. uuid.UUID)."""
    stmt, tag = _after_cursor(stmt, params, keys, descending, convert)
    rows = list((await session.scalars(stmt)).all())
    return _cut(rows, params, lambda last: [getattr(last, k.key) for k in keys], tag)


# How a cursor's JSON value turns back into the type of its column (`keyset_by`); other types are used as they are.
CURSOR_TYPES: dict[type, Any] = {
    datetime: datetime.fromisoformat,
    date: date.fromisoformat,
    int: int,
    uuid.UUID: uuid.UUID,
}


def _cursor_type(key: InstrumentedAttribute[Any]) -> Any:
    try:
        return CURSOR_TYPES.get(key.type.python_type)
    except NotImplementedError:
        return None


async def keyset_by(
    session: AsyncSession,
    stmt: Select[Any],
    params: PageParams,
    *keys: InstrumentedAttribute[Any],
    descending: bool = False,
) -> tuple[list[Any], str | None]:
    """`keyset_page` ordered by `keys` (the last one unique), each cursor value read back as its column's type."""
    return await keyset_page(
        session, stmt, params, keys=list(keys), descending=descending, convert=[_cursor_type(k) for k in keys]
    )


async def keyset_rows(
    session: AsyncSession,
    stmt: Select[Any],
    params: PageParams,
    *keys: InstrumentedAttribute[Any],
    key_of: Callable[[Any], list[Any]],
) -> tuple[list[Any], str | None]:
    """`keyset_by` (ascending) of a select of several entities or columns: its rows as tuples, `key_of(row)` giving a
    row's values of `keys`."""
    stmt, tag = _after_cursor(stmt, params, list(keys), False, [_cursor_type(k) for k in keys])
    return _cut(list((await session.execute(stmt)).all()), params, key_of, tag)


async def newest_first(
    session: AsyncSession,
    stmt: Select[Any],
    params: PageParams,
    at: InstrumentedAttribute[Any],
    row_id: InstrumentedAttribute[Any],
) -> tuple[list[Any], str | None]:
    """The rows of `stmt` latest `at` first, `row_id` breaking ties (a list's usual order: most recent first)."""
    return await keyset_by(session, stmt, params, at, row_id, descending=True)
