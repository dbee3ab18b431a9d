import pytest

from tests.reporting.feeds import Feeds


@pytest.fixture
def reporting_session(reporting_and_session):
    """The session the app's requests use (inside the test's rolled-back transaction), for arranging data."""
    return reporting_and_session[1]


@pytest.fixture
def feeds() -> Feeds:
    return Feeds()
