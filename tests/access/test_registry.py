"""The registry's access matrix: every operation, every kind of caller, as tests/access/registry.py says."""

from tests.access import registry as policy
from tests.access.suite import service_tests
from tests.access.worlds import registry as world

stage, test_every_operation_has_a_policy_row, test_access = service_tests("registry", policy.TABLE, world)
