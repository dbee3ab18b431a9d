import pytest


@pytest.fixture
def db(registry_and_session):
    """The registry's session, to read what the requests wrote (the audit trail, the outbox)."""
    return registry_and_session[1]
