"""Helpers for transfer tests: the persons helpers, the test's database session (to read the audit trail and the
outbox) and shortcuts to propose a transfer and take a step on it."""

from functools import partial

import pytest

from tests import rows
from tests.registry.persons import conftest as persons_fixtures

new_person = persons_fixtures.new_person

DAPU = {"department": "township", "jurisdiction": "dapu"}
DONGQUAN = {"department": "township", "jurisdiction": "dongquan"}
SHECHONG = {"department": "township", "jurisdiction": "shechong"}


@pytest.fixture
def person(new_person):
    """person(seq=..., jurisdiction_code=..., **fields) -> a registered person's id (in Dapu unless told)."""

    async def make(seq: int = 800, **fields) -> str:
        fields.setdefault("confirm_not_duplicate", True)
        return (await new_person(name=f"迁移{seq}", seq=seq, **fields))["id"]

    return make


@pytest.fixture
def propose(registry, auth):
    """propose(person_id, to="dongquan", headers=None, **body) -> response (headers: Dapu's staff unless told)."""

    async def send(person_id: str, to: str = "dongquan", headers=None, **body):
        payload = {"person_id": person_id, "to_jurisdiction_code": to, "reason": "随家人迁居", **body}
        return await registry.post("/api/v1/transfers", json=payload, headers=headers or auth(**DAPU))

    return send


@pytest.fixture
def step(registry, auth):
    """step(transfer, "accept" | "reject" | "cancel", headers, if_match=<version>|None, body=None) -> response.
    `transfer` is the JSON of the transfer; If-Match defaults to its version."""

    async def send(transfer: dict, action: str, headers: dict, if_match=..., body=None):
        version = transfer["version"] if if_match is ... else if_match
        extra = {} if version is None else {"If-Match": f'"{version}"'}
        if body is None and action == "reject":
            body = {"reason": "经核实本人未在本镇居住"}
        return await registry.post(
            f"/api/v1/transfers/{transfer['id']}/{action}", json=body, headers={**headers, **extra}
        )

    return send


@pytest.fixture
def audit_rows(db):
    """audit_rows(resource_id, prefix) -> [(operation, resource_type, outcome, changes)] oldest first."""
    return partial(rows.audit_rows, db, columns="operation, resource_type, outcome, changes")


@pytest.fixture
def events(db):
    """events(aggregate_id) -> [(kind, data)] in the order written."""
    return partial(rows.events_of, db)
