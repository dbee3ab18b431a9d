"""Fixtures for the parts of a person's record beside the person itself (support, treatment, welfare): the registry
client together with its session, so a test can read the audit trail the requests wrote."""

import pytest
from sqlalchemy import text

from tests.registry.persons.conftest import new_person  # noqa: F401  (fixtures used by these tests)


@pytest.fixture
def audit_rows(registry_and_session):
    """audit_rows(person_id, prefix) -> [(operation, outcome, actor_department, changes)] oldest first."""
    session = registry_and_session[1]

    async def rows(person_id: str, prefix: str) -> list[tuple]:
        result = await session.execute(
            text(
                "SELECT operation, outcome, actor_department, changes FROM audit_log "
                "WHERE CAST(:person AS uuid) = ANY(resource_ids) AND operation LIKE :prefix ORDER BY id"
            ),
            {"person": person_id, "prefix": f"{prefix}%"},
        )
        found = [tuple(r) for r in result.all()]
        await session.commit()
        return found

    return rows
