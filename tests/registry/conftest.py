import pytest

from registry.main import create_app


@pytest.fixture
async def registry(service_client):
    async with service_client("registry", create_app) as (client, _session):
        yield client
