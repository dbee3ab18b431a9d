import pytest

from placement.main import create_app
from tests.placement.registry_feed.feed import FakeFeed


@pytest.fixture
async def placement_and_session(service_client):
    async with service_client("placement", create_app) as pair:
        yield pair


@pytest.fixture
def db(placement_and_session):
    return placement_and_session[1]


@pytest.fixture
def feed():
    return FakeFeed()


@pytest.fixture
def client(placement_and_session):
    return placement_and_session[0]


@pytest.fixture
def auth(make_token):
    """auth(department="township", jurisdiction="dapu", roles=["staff"]) -> headers (county NCO staff unless told)."""

    def headers(department: str = "nco", jurisdiction: str | None = None, roles=("staff",), **extra) -> dict:
        token = make_token(roles=list(roles), department=department, jurisdiction=jurisdiction, **extra)
        return {"Authorization": f"Bearer {token}"}

    return headers
