"""Site tests use the employer tests' helpers (which include the site shortcuts)."""

from tests.placement.employers import conftest as employer_fixtures

county = employer_fixtures.county
new_employer = employer_fixtures.new_employer
step = employer_fixtures.step
events = employer_fixtures.events
new_site = employer_fixtures.new_site
close = employer_fixtures.close
