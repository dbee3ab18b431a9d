import pytest


@pytest.fixture
def db(placement_and_session):
    """The placement app's session, to read what the requests wrote (the outbox, the audit trail)."""
    return placement_and_session[1]
