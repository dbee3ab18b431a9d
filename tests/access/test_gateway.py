"""The gateway's access matrix: its own operations, every kind of caller, as tests/access/gateway.py says."""

from tests.access import gateway as policy
from tests.access.suite import service_tests
from tests.access.worlds import gateway as world

stage, test_every_operation_has_a_policy_row, test_access = service_tests("gateway", policy.TABLE, world)
