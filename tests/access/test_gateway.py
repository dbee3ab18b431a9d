"""The gateway's access matrix: its own operations, every kind of caller, as tests/access/gateway.py says."""

from gateway.clients.service import SERVICE_SCOPES
from tests.access import gateway as policy
from tests.access import matrix
from tests.access.suite import service_tests
from tests.access.worlds import gateway as world

stage, test_every_operation_has_a_policy_row, test_access = service_tests("gateway", policy.TABLE, world)


def test_the_matrix_service_callers_carry_the_scopes_the_gateway_gives_its_services():
    assert {name: tuple(scopes) for name, scopes in SERVICE_SCOPES.items()} == matrix.SERVICE_SCOPES
