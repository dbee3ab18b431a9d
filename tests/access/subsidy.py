"""The subsidy service's access policy, operation by operation (checked by tests/access/test_subsidy.py).

Rows as in tests/access/placement.py. The sets come from each area's policy.py:

- policies/policy.py: subsidy policies are county rules, not personal data: every caller with subsidy:read reads
  them (departments, services, employers); finance and the NCO write and publish them, and an admin of any
  department may (a doubt reported before, kept);
- budgets/policy.py: finance sets the budgets; the NCO, human resources, the townships and the services read them;
- evaluations/policy.py: the NCO and finance evaluate a year; human resources also follows evaluations and tries
  what-ifs; all county-wide;
- decisions/policy.py: the NCO, finance, human resources and the services read every decision, township staff their
  jurisdiction's, an employer's client its own employer's;
- applications/policy.py and applications/workflow.py: township staff and an employer's client apply; a step is
  taken by the kind the workflow names (township review: township staff of the beneficiary's jurisdiction);
- totals/policy.py: decisions' readers but employers (a township reads its own jurisdiction's totals);
- events.py: county-wide followers (NCO, finance, human resources) and the platform's services.
"""

from shared.reference import DEPARTMENTS
from tests.access import webhooks
from tests.access.matrix import AUDIT_TRAIL, EMP, EMPLOYER, HEALTH_AND_DOCS, JUR, SERVICE, rules_for

read, write = rules_for("subsidy")

READERS = set(DEPARTMENTS) | {SERVICE, EMPLOYER}
"""Anyone whose token carries subsidy:read: every staff role, the subsidy and reporting services, employers."""
POLICY_WRITERS = {"finance", "nco"}
ADMINS = {"admin"}
"""subsidy/policies/policy.py lets an admin of any department (a township's too) write and publish a county policy;
doubt reported to the subsidy service's owner (kept: an admin is trusted with every county account anyway)."""
BUDGET_READERS = {"finance", "nco", "human_resources", "township", SERVICE}
BUDGET_WRITERS = {"finance"}
EVALUATION_READERS = {"nco", "finance", "human_resources"}
EVALUATORS = {"nco", "finance"}
DECISION_READERS = {"nco", "finance", "human_resources", "township", SERVICE, EMPLOYER}
APPLICANTS = {"township", EMPLOYER}
TOWNSHIP_REVIEWERS = {"township"}
TOTALS_READERS = {"nco", "finance", "human_resources", "township", SERVICE}
FOLLOWERS = {"nco", "finance", "human_resources", SERVICE}
P = "/api/v1/subsidy-policies"
D = "/api/v1/subsidy-decisions"
APPS = "/api/v1/subsidy-applications"
SIDES = frozenset({JUR, EMP})

TABLE = {
    **HEALTH_AND_DOCS,
    ("GET", P): read(READERS),
    ("POST", P): write(POLICY_WRITERS, roles=ADMINS),
    ("GET", P + "/{policy_id}"): read(READERS),
    ("PATCH", P + "/{policy_id}"): write(POLICY_WRITERS, roles=ADMINS),
    ("POST", P + "/{policy_id}/publish"): write(POLICY_WRITERS, roles=ADMINS),
    ("GET", P + "/{policy_id}/differences"): read(READERS),
    ("GET", P + "/{policy_id}/tier-for"): read(READERS),
    ("GET", "/api/v1/subsidy-audit-events"): AUDIT_TRAIL,
    ("GET", "/api/v1/subsidy-audit-events/verify"): AUDIT_TRAIL,
    ("GET", "/api/v1/subsidy-types"): read(READERS),
    ("GET", "/api/v1/subsidy-budgets"): read(BUDGET_READERS),
    ("GET", "/api/v1/subsidy-budgets/{year}/{subsidy_type}"): read(BUDGET_READERS),
    ("PUT", "/api/v1/subsidy-budgets/{year}/{subsidy_type}"): write(BUDGET_WRITERS),
    ("GET", "/api/v1/subsidy-evaluations"): read(EVALUATION_READERS),
    ("POST", "/api/v1/subsidy-evaluations"): write(EVALUATORS),
    ("GET", "/api/v1/subsidy-evaluations/{evaluation_id}"): read(EVALUATION_READERS),
    ("POST", "/api/v1/subsidy-what-ifs"): read(EVALUATION_READERS),
    ("GET", D): read(DECISION_READERS),
    ("GET", D + "/export"): read(DECISION_READERS),
    ("GET", D + "/{decision_id}"): read(DECISION_READERS, own=SIDES),
    ("GET", D + "/{decision_id}/versions"): read(DECISION_READERS, own=SIDES),
    ("GET", APPS): read(DECISION_READERS),
    ("GET", APPS + "/export"): read(DECISION_READERS),
    ("POST", APPS): write(APPLICANTS, own=SIDES),
    ("GET", APPS + "/{application_id}"): read(DECISION_READERS, own=SIDES),
    ("POST", APPS + "/{application_id}/steps"): write(TOWNSHIP_REVIEWERS, own=SIDES),
    ("GET", "/api/v1/subsidy-totals"): read(TOTALS_READERS),
    ("GET", "/api/v1/subsidy-events"): read(FOLLOWERS),
    # Webhook subscriptions to the feed: county-wide administrators only.
    **webhooks.rows("/api/v1/subsidy-webhooks"),
}
