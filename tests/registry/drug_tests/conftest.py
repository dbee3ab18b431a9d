from tests.registry.measures.conftest import (  # noqa: F401  (fixtures)
    add_measure,
    add_test,
    audit_rows,
    auth,
    db,
    new_person,
    person,
    registry,
    registry_and_session,
    status,
)
