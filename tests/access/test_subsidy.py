"""The subsidy service's access matrix: every operation, every kind of caller, as tests/access/subsidy.py says."""

from tests.access import subsidy as policy
from tests.access.suite import service_tests
from tests.access.worlds import subsidy as world

stage, test_every_operation_has_a_policy_row, test_access = service_tests("subsidy", policy.TABLE, world)
