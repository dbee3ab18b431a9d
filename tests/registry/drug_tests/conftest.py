from tests.registry.measures.conftest import (  # noqa: F401  (fixtures)
    add_measure,
    add_test,
    audit_rows,
    new_person,
    person,
    status,
)
