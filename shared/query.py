"""What the repositories (`<area>/repository.py`) share: the session they query in, adding a row, fetching one row
(locked for update if asked), and optional equality filters given as a table of (column, value); and, for the
services, `or_raise`: the row a repository found, or the folder's not-found error."""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

R = TypeVar("R")


def where_given(stmt: Select[Any], *filters: tuple[InstrumentedAttribute[Any], Any]) -> Select[Any]:
    """`stmt` narrowed to `column == value` for each (column, value) whose value is not None: an unset filter (or
    an unrestricted caller) narrows nothing."""
    for column, value in filters:
        if value is not None:
            stmt = stmt.where(column == value)
    return stmt


class Repository:
    """Queries on a folder's own tables, in the request's session. `refresh_added`: read an added row back after the
    flush (for columns the database fills in)."""

    refresh_added: ClassVar[bool] = False

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, row: R) -> R:
        """Add `row` and flush, so its defaults and id are set."""
        self.session.add(row)
        await self.session.flush()
        if self.refresh_added:
            await self.session.refresh(row)
        return row

    async def flush(self) -> None:
        await self.session.flush()

    async def one(self, stmt: Select[Any], *, for_update: bool = False, fresh: bool = False) -> Any:
        """The first row of `stmt` or None; locked (`SELECT ... FOR UPDATE`) if `for_update`; with `fresh`, loaded
        over what the session already holds (`populate_existing`)."""
        if for_update:
            stmt = stmt.with_for_update()
        if fresh:
            stmt = stmt.execution_options(populate_existing=True)
        return await self.session.scalar(stmt)


def or_raise(row: R | None, missing: type[Exception], *args: Any, **kwargs: Any) -> R:
    """`row`, or raise `missing(*args, **kwargs)` if there is none (a 404 such as `PlacementNotFound`)."""
    if row is None:
        raise missing(*args, **kwargs)
    return row
