import pytest

from reporting.main import create_app
from tests.reporting.feeds import Feeds


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


@pytest.fixture
def feeds() -> Feeds:
    return Feeds()


@pytest.fixture
def auth(make_token):
    """auth(department="township", jurisdiction="dapu", roles=["staff"]) -> headers (county NCO staff unless told)."""

    def headers(department: str | None = "nco", jurisdiction: str | None = None, roles=("staff",), **extra) -> dict:
        token = make_token(roles=list(roles), department=department, jurisdiction=jurisdiction, **extra)
        return {"Authorization": f"Bearer {token}"}

    return headers
