import pytest

from registry.main import create_app
from tests.registry.persons.conftest import auth, new_person  # noqa: F401  (fixtures used here)


@pytest.fixture
async def registry_and_session(service_client):
    async with service_client("registry", create_app) as pair:
        yield pair


@pytest.fixture
def registry(registry_and_session):
    return registry_and_session[0]


@pytest.fixture
def db(registry_and_session):
    return registry_and_session[1]
