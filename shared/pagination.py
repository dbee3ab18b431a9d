"""Bounded cursor pages: `?limit=` (default 50, max 200) and an opaque `cursor`."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import Select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from shared.errors import AppError

T = TypeVar("T")
DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class InvalidCursor(AppError):
    status, code, title = 400, "invalid_cursor", "Invalid cursor"


class Page(BaseModel, Generic[T]):
    """One page of a list. Pass `next_cursor` back as `cursor` to get the next page; null means the end."""

    items: list[T]
    next_cursor: str | None = Field(default=None, description="Opaque cursor of the next page, or null at the end.")
    limit: int = Field(description="The page size used.", examples=[50])


@dataclass(frozen=True)
class PageParams:
    limit: int
    cursor: str | None


def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size (1-200).")] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=512, description="Cursor from the previous page.")] = None,
) -> PageParams:
    return PageParams(limit=limit, cursor=cursor)


PageParamsDep = Annotated[PageParams, Depends(page_params)]


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps(values, default=str, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, size: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise InvalidCursor("The cursor is not one this API issued.") from exc
    if not isinstance(values, list) or len(values) != size:
        raise InvalidCursor("The cursor is not one this API issued.")
    return values


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
    if params.cursor:
        values = decode_cursor(params.cursor, len(keys))
        if convert:
            try:
                values = [conv(v) if conv else v for conv, v in zip(convert, values, strict=True)]
            except (TypeError, ValueError) as exc:
                raise InvalidCursor("The cursor is not one this API issued.") from exc
        row_key = tuple_(*keys)
        stmt = stmt.where(row_key < tuple_(*values) if descending else row_key > tuple_(*values))
    order = [k.desc() for k in keys] if descending else [k.asc() for k in keys]
    rows = list((await session.scalars(stmt.order_by(*order).limit(params.limit + 1))).all())
    next_cursor = None
    if len(rows) > params.limit:
        rows = rows[: params.limit]
        last = rows[-1]
        next_cursor = encode_cursor([getattr(last, k.key) for k in keys])
    return rows, next_cursor
