"""Helpers for control-measure, drug-test and status tests: the persons helpers, plus the test's database session
(to read the audit trail) and shortcuts to record measures and tests."""

from datetime import date
from functools import partial

import pytest
from sqlalchemy import text

from tests import rows
from tests.registry.persons import conftest as persons_fixtures

new_person = persons_fixtures.new_person


REGISTERED_ON = "2010-01-01"
"""The people of these tests are on the register from before any history they are given (back-entered records)."""


@pytest.fixture
def person(new_person):
    """person(seq=..., jurisdiction_code=..., registered_on=...) -> a registered person's id (in Dapu, on the
    register since REGISTERED_ON, unless told)."""

    async def make(seq: int = 700, **fields) -> str:
        fields.setdefault("confirm_not_duplicate", True)
        fields.setdefault("registered_on", REGISTERED_ON)
        return (await new_person(name=f"管控{seq}", seq=seq, **fields))["id"]

    return make


@pytest.fixture
def add_measure(registry, auth):
    """add_measure(person_id, kind, start_on, **fields) -> response (headers: the NCO unless told)."""

    async def add(person_id: str, kind: str, start_on: date | str, headers=None, **fields):
        body = {"kind": kind, "start_on": str(start_on), **{k: str(v) for k, v in fields.items()}}
        return await registry.post(f"/api/v1/persons/{person_id}/measures", json=body, headers=headers or auth())

    return add


@pytest.fixture
def add_test(registry, auth):
    """add_test(person_id, tested_on, result="negative", **fields) -> response."""

    async def add(person_id: str, tested_on: date | str, result: str = "negative", headers=None, **fields):
        body = {"tested_on": str(tested_on), "kind": "urine", "result": result, "tested_by": "大埔派出所", **fields}
        return await registry.post(f"/api/v1/persons/{person_id}/drug-tests", json=body, headers=headers or auth())

    return add


@pytest.fixture
def status(registry, auth):
    async def get(person_id: str, as_of: date | str, headers=None) -> dict:
        response = await registry.get(
            f"/api/v1/persons/{person_id}/status", params={"as_of": str(as_of)}, headers=headers or auth()
        )
        assert response.status_code == 200, response.text
        return response.json()

    return get


@pytest.fixture
def audit_rows(db):
    """audit_rows(person_id, prefix) -> [(operation, outcome, actor_department)] oldest first."""
    return partial(rows.audit_rows, db, columns="operation, outcome, actor_department")


async def count(db, table: str) -> int:
    return (await db.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()
