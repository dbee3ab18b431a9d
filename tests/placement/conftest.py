import pytest

from placement.main import create_app


@pytest.fixture
async def placement(service_client):
    async with service_client("placement", create_app) as (client, _session):
        yield client
