import pytest

from registry.main import create_app


@pytest.fixture
async def registry_and_session(service_client):
    """The registry's in-process client and the session its requests run on (the test's rolled-back transaction)."""
    async with service_client("registry", create_app) as pair:
        yield pair


@pytest.fixture
def registry(registry_and_session):
    return registry_and_session[0]


@pytest.fixture
def db(registry_and_session):
    """The registry's session, to read what the requests wrote (the audit trail, the outbox)."""
    return registry_and_session[1]
