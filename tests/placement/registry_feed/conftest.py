import pytest

from tests.placement.registry_feed.feed import FakeFeed


@pytest.fixture
def feed():
    return FakeFeed()


@pytest.fixture
def client(placement):
    return placement
