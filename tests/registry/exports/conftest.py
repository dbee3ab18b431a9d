from tests.registry.persons.conftest import new_person  # noqa: F401  (fixtures used here)
