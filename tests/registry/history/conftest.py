"""Helpers for the dated-history tests: the measures helpers (a person on the register since 2010 unless told), and
shortcuts to record register changes, work-ability changes and stays, and to count what was written."""

from datetime import date
from functools import partial

import pytest
from sqlalchemy import text

from tests import rows
from tests.registry.measures import conftest as measures_fixtures

audit_rows = measures_fixtures.audit_rows
new_person = measures_fixtures.new_person
person = measures_fixtures.person
add_measure = measures_fixtures.add_measure
add_test = measures_fixtures.add_test
status = measures_fixtures.status


@pytest.fixture
def change(registry, auth):
    """change(person_id, kind, effective_on, reason_code=None, headers=None, **fields) -> response."""

    async def post(
        person_id: str, kind: str, effective_on: date | str, reason_code: str | None = None, headers=None, **fields
    ):
        body = {"kind": kind, "effective_on": str(effective_on), **fields}
        if reason_code is not None:
            body["reason_code"] = reason_code
        return await registry.post(
            f"/api/v1/persons/{person_id}/register-changes", json=body, headers=headers or auth()
        )

    return post


@pytest.fixture
def stay(registry, auth):
    """stay(person_id, kind, start_on, end_on=None, headers=None, **fields) -> response."""

    async def post(
        person_id: str, kind: str, start_on: date | str, end_on: date | str | None = None, headers=None, **fields
    ):
        body = {"kind": kind, "start_on": str(start_on), **fields}
        if end_on is not None:
            body["end_on"] = str(end_on)
        return await registry.post(f"/api/v1/persons/{person_id}/stays", json=body, headers=headers or auth())

    return post


@pytest.fixture
def ability(registry, auth):
    """ability(person_id, work_ability, effective_on, reason=None, headers=None) -> response."""

    async def post(
        person_id: str, work_ability: str, effective_on: date | str, reason: str | None = None, headers=None
    ):
        body = {"work_ability": work_ability, "effective_on": str(effective_on)}
        if reason is not None:
            body["reason"] = reason
        return await registry.post(
            f"/api/v1/persons/{person_id}/work-ability-changes", json=body, headers=headers or auth()
        )

    return post


@pytest.fixture
def written(db):
    """written(person_id) -> how many rows of each dated-history table and events the person has."""

    async def counts(person_id: str) -> dict[str, int]:
        found = {}
        for table in ("register_change", "work_ability_change", "stay", "control_measure"):
            found[table] = (
                await db.execute(
                    text(f"SELECT count(*) FROM {table} WHERE person_id = CAST(:pid AS uuid)"),
                    {"pid": person_id},
                )
            ).scalar_one()
        found["events"] = (
            await db.execute(
                text("SELECT count(*) FROM outbox_event WHERE aggregate_id = CAST(:pid AS uuid)"), {"pid": person_id}
            )
        ).scalar_one()
        return found

    return counts


@pytest.fixture
def events_of(db):
    """events_of(person_id) -> [(kind, data)] in the order written."""
    return partial(rows.events_of, db)


def problem(response, status_code: int, code: str | None = None) -> dict:
    assert response.status_code == status_code, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    if code is not None:
        assert body["code"] == code, body
    return body
