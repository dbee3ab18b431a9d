"""The subsidy service's access policy, operation by operation (checked by tests/access/test_subsidy.py).

Subsidy policies are county rules, not personal data: every department's staff read them; finance and the NCO
write and publish them. Rows as in tests/access/registry.py."""

from shared.reference import DEPARTMENTS
from tests.access.matrix import AUDIT_TRAIL, PUBLIC, SERVICE, rules_for

read, write = rules_for("subsidy")

READERS = set(DEPARTMENTS) | {SERVICE}
"""Anyone whose token carries subsidy:read: every staff role, and the subsidy and reporting services."""
POLICY_WRITERS = {"finance", "nco"}
ADMINS = {"admin"}
"""subsidy/policies/service.py lets an admin of any department (a township's too) write and publish a county policy;
doubt reported to the subsidy service's owner."""
P = "/api/v1/subsidy-policies"

TABLE = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/docs/oauth2-redirect"): PUBLIC,
    ("GET", "/redoc"): PUBLIC,
    ("GET", P): read(READERS),
    ("POST", P): write(POLICY_WRITERS, roles=ADMINS),
    ("GET", P + "/{policy_id}"): read(READERS),
    ("POST", P + "/{policy_id}/publish"): write(POLICY_WRITERS, roles=ADMINS),
    ("GET", P + "/{policy_id}/tier-for"): read(READERS),
    ("GET", "/api/v1/subsidy-audit-events"): AUDIT_TRAIL,
    ("GET", "/api/v1/subsidy-audit-events/verify"): AUDIT_TRAIL,
}
