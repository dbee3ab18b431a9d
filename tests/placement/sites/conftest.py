"""Site tests use the employer tests' helpers (which include the site shortcuts)."""

from tests.placement.employers import conftest as employer_fixtures

placement_and_session = employer_fixtures.placement_and_session
placement = employer_fixtures.placement
db = employer_fixtures.db
county = employer_fixtures.county
auth = employer_fixtures.auth
new_employer = employer_fixtures.new_employer
step = employer_fixtures.step
events = employer_fixtures.events
new_site = employer_fixtures.new_site
close = employer_fixtures.close
