import pytest

from subsidy.main import create_app


@pytest.fixture
async def subsidy(service_client):
    async with service_client("subsidy", create_app) as (client, _session):
        yield client
