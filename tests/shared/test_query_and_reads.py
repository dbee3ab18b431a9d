"""The small pieces the repositories and services share: optional filters, found-or-404, answers copied from rows,
and the cursor's key types read from the columns (shared.query, shared.reads, shared.pagination.keyset_by)."""

import uuid
from datetime import date, datetime
from types import SimpleNamespace

import pytest
from pydantic import BaseModel
from sqlalchemy import Date, DateTime, Integer, String, Uuid, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.errors import NotFound
from shared.pagination import _cursor_type
from shared.query import or_raise, where_given
from shared.reads import fields_of, read_of


class Base(DeclarativeBase):
    pass


class Row(Base):
    __tablename__ = "row_for_test"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    held_on: Mapped[date] = mapped_column(Date)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))


def sql(stmt) -> str:
    return str(stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))


def test_where_given_narrows_by_each_filter_that_has_a_value_and_by_no_other():
    stmt = where_given(select(Row.id), (Row.status, "open"), (Row.name, None), (Row.position, 0))
    text = sql(stmt)
    assert "row_for_test.status = 'open'" in text
    assert "row_for_test.position = 0" in text  # 0 is a value, not "unset"
    assert "row_for_test.name" not in text
    assert "WHERE" not in sql(where_given(select(Row.id), (Row.status, None)))


class GoneError(NotFound):
    code = "gone_for_test"


def test_or_raise_gives_the_row_or_raises_the_error_named():
    row = object()
    assert or_raise(row, GoneError, "not here") is row
    with pytest.raises(GoneError) as raised:
        or_raise(None, GoneError, "not here")
    assert raised.value.code == "gone_for_test" and "not here" in str(raised.value.detail)


class ThingRead(BaseModel):
    id: int
    name: str
    label: str


def test_read_of_copies_the_fields_of_the_same_name_and_takes_the_others_as_given():
    row = SimpleNamespace(id=7, name="韦某", label="raw", secret="never copied")
    assert read_of(ThingRead, row, label="标签") == ThingRead(id=7, name="韦某", label="标签")
    assert read_of(ThingRead, row) == ThingRead(id=7, name="韦某", label="raw")


def test_read_of_fails_loudly_on_a_field_the_row_lacks():
    with pytest.raises(AttributeError):
        read_of(ThingRead, SimpleNamespace(id=7, name="x"))


def test_fields_of_takes_the_named_attributes_in_order():
    row = SimpleNamespace(a=1, b=2, c=3)
    assert list(fields_of(row, "c", "a").items()) == [("c", 3), ("a", 1)]


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        (Row.created_at, "2026-12-07T05:13:32+00:00", datetime.fromisoformat("2026-12-07T05:13:32+00:00")),
        (Row.held_on, "2013-12-31", date(2013, 12, 31)),
        (Row.position, "42", 42),
        (Row.id, "0b6f0d1e-6c52-4a2a-9d3e-3f1e2a7b9c10", uuid.UUID("0b6f0d1e-6c52-4a2a-9d3e-3f1e2a7b9c10")),
    ],
)
def test_a_cursor_key_is_read_back_as_its_columns_type(column, value, expected):
    assert _cursor_type(column)(value) == expected


def test_a_text_cursor_key_is_kept_as_text():
    assert _cursor_type(Row.name) is None
