from tests.registry.persons.conftest import auth, new_person  # noqa: F401  (fixtures used here)
