"""Answers built from rows: `read_of(PersonRead, person, jurisdiction_name_zh=...)`; and an update's changes put on
a row (`apply_changes`), what of them really changed handed back for the event and the trail.

Most fields of a `...Read` schema are a row's columns of the same name. `read_of` copies those and takes the rest
(labels, names looked up, values from another row) as keywords, so a mapping function states only what is not a
plain copy. Every field of the schema is either copied or given: a schema field the row lacks fails loudly
(AttributeError), it is never left to its default.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)


def read_of(schema: type[M], row: Any, /, **given: Any) -> M:
    """`schema` with the fields named in `given` from there and every other field from `row`'s attribute."""
    copied = {name: getattr(row, name) for name in schema.model_fields if name not in given}
    return schema(**copied, **given)


def apply_changes(row: Any, changes: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Set each of `changes` (field: new value) on `row` that differs from its value there; the ones set, as
    field: (old, new). A value sent again unchanged is no change."""
    diff = {field: (getattr(row, field), value) for field, value in changes.items() if getattr(row, field) != value}
    for field, (_, value) in diff.items():
        setattr(row, field, value)
    return diff


def fields_of(row: Any, *names: str) -> dict[str, Any]:
    """The named attributes of `row`, in that order, as a dict (the row's part of an event's data)."""
    return {name: getattr(row, name) for name in names}
