"""Fixtures for the parts of a person's record beside the person itself (support, treatment, welfare): the registry
client together with its session, so a test can read the audit trail the requests wrote."""

import pytest

from tests import rows
from tests.registry.persons.conftest import new_person  # noqa: F401  (fixtures used by these tests)


@pytest.fixture
def audit_rows(registry_and_session):
    """audit_rows(person_id, prefix) -> [(operation, outcome, actor_department, changes)] oldest first."""
    session = registry_and_session[1]

    async def read(person_id: str, prefix: str) -> list[tuple]:
        columns = "operation, outcome, actor_department, changes"
        found = await rows.audit_rows(session, person_id, prefix, columns=columns)
        await session.commit()
        return found

    return read
