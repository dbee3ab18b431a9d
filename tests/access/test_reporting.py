"""The reporting service's access matrix: every operation, every kind of caller, as tests/access/reporting.py says."""

from tests.access import reporting as policy
from tests.access.suite import service_tests
from tests.access.worlds import reporting as world

stage, test_every_operation_has_a_policy_row, test_access = service_tests("reporting", policy.TABLE, world)
