"""The reporting service's access policy, operation by operation (checked by tests/access/test_reporting.py).

From reporting/reports/policy.py: every department's staff read reports, bulletins, assessments and oversight (the
NCO and the other county departments every jurisdiction in detail, township staff their own, the others' figures
suppressed); only the NCO plans and publishes (targets overrides, bulletins, assessments, supervision visits, joint
meetings); the NCO and the owning township record progress of actions; a county administrator rebuilds the read
model. The platform's services and employers' clients see nothing but the notice's indicators and targets (the
reporting service's own client reads those). Rows as in tests/access/registry.py."""

from shared.reference import DEPARTMENTS
from tests.access.matrix import HEALTH_AND_DOCS, JUR, SERVICE, Rule, rules_for

read, write = rules_for("reporting")

STAFF = set(DEPARTMENTS)
"""Every department's staff (reports.policy: NCO, county, township); not services, not employers."""
PLANNERS = {"nco"}
ACTION_OWNERS = {"nco", "township"}
"""Progress of an action: the NCO, or staff of the jurisdiction that owns it."""
REBUILD = Rule(who=set(), roles={"admin"}, scope="reporting:write", county_wide=True)
"""A county administrator, of any department."""

T = "/api/v1/targets"
REP = "/api/v1/reports"
BUL = "/api/v1/bulletins"
ASM = "/api/v1/assessments"
V = "/api/v1/supervision-visits"
M = "/api/v1/joint-meetings"

TABLE = {
    **HEALTH_AND_DOCS,
    # The notice's indicators and targets: anyone with reporting:read, the reporting service's client too.
    ("GET", "/api/v1/indicators"): read(STAFF | {SERVICE}),
    ("GET", "/api/v1/indicators/{code}"): read(STAFF | {SERVICE}),
    ("GET", T): read(STAFF | {SERVICE}),
    ("POST", T): write(PLANNERS),
    ("DELETE", T + "/{target_id}"): write(PLANNERS),
    # Reports.
    ("GET", REP + "/indicators"): read(STAFF),
    ("GET", REP + "/indicators/{code}/trend"): read(STAFF),
    ("GET", REP + "/indicators/{code}/ranking"): read(STAFF),
    ("GET", REP + "/subsidies"): read(STAFF),
    # Bulletins: published, safe to share with every department.
    ("POST", BUL): write(PLANNERS),
    ("GET", BUL): read(STAFF),
    ("GET", BUL + "/{bulletin_id}"): read(STAFF),
    ("GET", BUL + "/{bulletin_id}/file"): read(STAFF),
    ("GET", BUL + "/{bulletin_id}/charts/{chart}"): read(STAFF),
    # Assessments: the world's assessment is a draft, which township staff do not see until it is published.
    ("POST", "/api/v1/assessment-schemes"): write(PLANNERS),
    ("GET", "/api/v1/assessment-schemes"): read(STAFF),
    ("POST", ASM): write(PLANNERS),
    ("GET", ASM): read(STAFF),
    ("GET", ASM + "/{assessment_id}"): read(STAFF, unseen={"township"}),
    ("POST", ASM + "/{assessment_id}/recompute"): write(PLANNERS),
    ("PUT", ASM + "/{assessment_id}/veto-overrides/{jurisdiction_code}"): write(PLANNERS),
    ("POST", ASM + "/{assessment_id}/publish"): write(PLANNERS),
    # Oversight: a supervision visit is its jurisdiction's; a joint meeting the county's, its items owned by a
    # township (another township sees the item and gets 403 for its progress).
    ("POST", V): write(PLANNERS),
    ("GET", V): read(STAFF),
    ("GET", V + "/{visit_id}"): read(STAFF, own={JUR}),
    ("PATCH", V + "/{visit_id}/actions/{action_id}"): write(ACTION_OWNERS, own={JUR}),
    ("POST", M): write(PLANNERS),
    ("GET", M): read(STAFF),
    ("GET", M + "/{meeting_id}"): read(STAFF),
    ("PATCH", M + "/{meeting_id}/action-items/{item_id}"): write(ACTION_OWNERS, own={JUR}, other_side=403),
    ("GET", "/api/v1/overdue-actions"): read(STAFF),
    # The read model.
    ("GET", "/api/v1/reporting-feeds"): read(STAFF),
    ("POST", "/api/v1/reporting-feeds/rebuild"): REBUILD,
}
