from tests.registry.support.conftest import audit_rows, new_person  # noqa: F401  (fixtures used by these tests)
