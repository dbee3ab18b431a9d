from tests.placement.registry_feed import conftest as feed_fixtures

placement_and_session = feed_fixtures.placement_and_session
db = feed_fixtures.db
feed = feed_fixtures.feed
client = feed_fixtures.client
auth = feed_fixtures.auth
