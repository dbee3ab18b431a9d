"""What the repositories (`<area>/repository.py`) share: the session they query in, adding a row, fetching one row
(locked for update if asked) or one by its id within what exists for the caller (`by_id`), the rows of a child
table by their parent (`grouped`), and optional equality filters given as a table of (column, value) or as a filter
dataclass whose fields are named as the columns (`where_fields`); what exists for a caller who sees one
jurisdiction's or one employer's rows (`seen_limits`, `where_seen`); and, for the services, `or_raise`: the row a
repository found, or the folder's not-found error."""

from __future__ import annotations

from dataclasses import fields
from typing import Any, ClassVar, TypeVar

from sqlalchemy import Select, select
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


def where_fields(stmt: Select[Any], model: Any, filters: Any, *names: str) -> Select[Any]:
    """`where_given` of `model.<name> == filters.<name>` for each name given (every field of the dataclass `filters`
    when none is named): a list's optional filters, each named as the column it narrows."""
    names = names or tuple(field.name for field in fields(filters))
    return where_given(stmt, *((getattr(model, name), getattr(filters, name)) for name in names))


def seen_limits(
    seen: Any, model: Any, employer: InstrumentedAttribute[Any] | None = None
) -> tuple[tuple[InstrumentedAttribute[Any], Any], tuple[InstrumentedAttribute[Any], Any]]:
    """The limits (for `where_given`, `Repository.by_id`) of what exists for a caller who sees `seen` (a
    `shared.grants.Visibility` or alike, None for no limit): the rows of `model` in its jurisdiction
    (`jurisdiction_code`) and of its employer (`employer`, the column naming it: `model.employer_id` unless given)."""
    employer_column = model.employer_id if employer is None else employer
    return (model.jurisdiction_code, seen.jurisdiction), (employer_column, seen.employer_id)


def where_seen(
    stmt: Select[Any], model: Any, seen: Any, employer: InstrumentedAttribute[Any] | None = None
) -> Select[Any]:
    """`stmt` narrowed to the rows of `model` that exist for a caller who sees `seen` (`seen_limits`)."""
    return where_given(stmt, *seen_limits(seen, model, employer))


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

    async def grouped(
        self, key: InstrumentedAttribute[Any], ids: list[Any], *order_by: Any, fresh: bool = False
    ) -> dict[Any, list[Any]]:
        """The rows of `key`'s table whose `key` is one of `ids` (a parent's id: its follow-ups, its steps), in
        `order_by` order, by that key; an id with none has an empty list. `fresh`: as `one`."""
        found: dict[Any, list[Any]] = {row_id: [] for row_id in ids}
        if ids:
            stmt = select(key.class_).where(key.in_(ids)).order_by(*order_by)
            if fresh:
                stmt = stmt.execution_options(populate_existing=True)
            for row in await self.session.scalars(stmt):
                found[getattr(row, key.key)].append(row)
        return found

    async def by_id(
        self,
        model: type[R],
        row_id: Any,
        *limits: tuple[InstrumentedAttribute[Any], Any],
        for_update: bool = False,
        fresh: bool = False,
    ) -> R | None:
        """The `model` row with this id, if it is within `limits` ((column, value) as for `where_given`: what exists
        for the caller), else None; locked and `fresh` as `one`."""
        stmt = where_given(select(model).where(model.id == row_id), *limits)  # type: ignore[attr-defined]
        return await self.one(stmt, for_update=for_update, fresh=fresh)


def or_raise(row: R | None, missing: type[Exception], *args: Any, **kwargs: Any) -> R:
    """`row`, or raise `missing(*args, **kwargs)` if there is none (a 404 such as `PlacementNotFound`)."""
    if row is None:
        raise missing(*args, **kwargs)
    return row
