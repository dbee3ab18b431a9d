from tests.placement.registry_feed import conftest as feed_fixtures

feed = feed_fixtures.feed
client = feed_fixtures.client
