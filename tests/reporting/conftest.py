import pytest

from reporting.main import create_app


@pytest.fixture
async def reporting_pair(service_client):
    async with service_client("reporting", create_app) as pair:
        yield pair


@pytest.fixture
def reporting(reporting_pair):
    return reporting_pair[0]


@pytest.fixture
def reporting_session(reporting_pair):
    """The session the app's requests use (inside the test's rolled-back transaction), for arranging data."""
    return reporting_pair[1]
