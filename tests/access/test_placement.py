"""Placement's access matrix: every operation, every kind of caller, as tests/access/placement.py says."""

from tests.access import placement as policy
from tests.access.suite import service_tests
from tests.access.worlds import placement as world

stage, test_every_operation_has_a_policy_row, test_access = service_tests("placement", policy.TABLE, world)
