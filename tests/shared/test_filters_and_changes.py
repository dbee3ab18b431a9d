"""The pieces placement's (and subsidy's) repositories and services now share: a list's filters named as its
columns (shared.query.where_fields), what exists for a caller (seen_limits, where_seen), an update's changes put on a
row (shared.reads.apply_changes), and an update's field that may not be cleared (shared.inputs.not_cleared)."""

import uuid
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from pydantic import BaseModel, ValidationError, field_validator
from sqlalchemy import String, Uuid, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.grants import Visibility
from shared.inputs import not_cleared
from shared.query import seen_limits, where_fields, where_seen
from shared.reads import apply_changes


class Base(DeclarativeBase):
    pass


class Thing(Base):
    __tablename__ = "thing_for_filters_test"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    jurisdiction_code: Mapped[str] = mapped_column(String(40))
    employer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    status: Mapped[str] = mapped_column(String(20))


@dataclass(frozen=True)
class ThingFilter:
    status: str | None = None
    jurisdiction_code: str | None = None


def where_of(stmt) -> str:
    text = str(stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    return text.partition("WHERE")[2]


def test_where_fields_narrows_by_each_given_field_of_the_filter_named_as_its_column():
    where = where_of(where_fields(select(Thing.id), Thing, ThingFilter(status="open")))
    assert "thing_for_filters_test.status = 'open'" in where
    assert "jurisdiction_code" not in where


def test_where_fields_narrows_only_by_the_fields_named_when_some_are():
    both = ThingFilter(status="open", jurisdiction_code="dapu")
    where = where_of(where_fields(select(Thing.id), Thing, both, "jurisdiction_code"))
    assert "jurisdiction_code = 'dapu'" in where
    assert "status" not in where


def test_where_seen_limits_to_the_callers_jurisdiction_and_employer_and_nothing_else():
    employer = uuid.uuid4()
    assert where_of(where_seen(select(Thing.id), Thing, Visibility(None, None))) == ""
    township = where_of(where_seen(select(Thing.id), Thing, Visibility("dapu", None)))
    assert "jurisdiction_code = 'dapu'" in township and "employer_id" not in township
    client = where_of(where_seen(select(Thing.id), Thing, Visibility(None, employer)))
    assert f"employer_id = '{employer}'" in client and "jurisdiction_code" not in client


def test_seen_limits_name_another_column_for_the_employer_when_given():
    employer = uuid.uuid4()
    limits = seen_limits(Visibility("dapu", employer), Thing, Thing.id)
    assert limits == ((Thing.jurisdiction_code, "dapu"), (Thing.id, employer))


def test_apply_changes_sets_only_what_differs_and_says_what_it_was():
    row = SimpleNamespace(name="旧", phone="1", status="active")
    assert apply_changes(row, {"name": "新", "phone": "1"}) == {"name": ("旧", "新")}
    assert (row.name, row.phone, row.status) == ("新", "1", "active")
    assert apply_changes(row, {}) == {}


class Update(BaseModel):
    name: str | None = None

    _not_null = field_validator("name", mode="before")(not_cleared)


def test_not_cleared_refuses_null_but_lets_a_field_be_left_out_or_changed():
    assert Update().name is None
    assert Update(name="x").name == "x"
    with pytest.raises(ValidationError, match="may be changed but not cleared"):
        Update(name=None)
