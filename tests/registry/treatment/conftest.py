from tests.registry.support.conftest import (  # noqa: F401  (fixtures used by these tests)
    audit_rows,
    auth,
    new_person,
    registry,
    registry_and_session,
)
