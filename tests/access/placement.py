"""Placement's access policy, operation by operation (checked by tests/access/test_placement.py).

Each row: the caller kinds that get an answer and the scope they need (everyone else 403, no token 401); `own`: the
axes on which the object belongs to a side (JUR: township callers of the other jurisdiction get 404; EMP: the other
employer's client gets 404; `other_side` when it is not 404); `unseen`: kinds that pass the policy but for whom this
object does not exist (404); `county_wide`: township callers refused (403). The sets come from each area's policy.py.
"""

from shared.reference import DEPARTMENTS
from tests.access import webhooks
from tests.access.matrix import AUDIT_TRAIL, EMP, EMPLOYER, HEALTH_AND_DOCS, JUR, KINDS, SERVICE, rules_for

read, write = rules_for("placement")

# employers/policy.py: organisations, not people. Health and IT have no part in placement.
ORGANISATION_READERS = (set(DEPARTMENTS) - {"health", "it"}) | {SERVICE, EMPLOYER}
ORGANISATION_WRITERS = {"nco", "human_resources", "township"}
DESIGNATORS = {"nco", "human_resources"}
"""Designating a Qihang enterprise is a county decision."""
# posts/policy.py: a vacancy is no one's personal data.
POST_READERS = set(DEPARTMENTS) | {SERVICE, EMPLOYER}
POST_WRITERS = {"nco", "township", "human_resources", EMPLOYER}
PEOPLE_MATCHERS = {"nco", "township", "human_resources", "police", "health", "civil_affairs", SERVICE}
"""Matching reads people from the registry with the caller's token: posts' readers whom the registry lets look people
up (persons/policy.py); an employer's client browses no people."""
# placements/policy.py and referrals/policy.py: people's data.
PLACEMENT_READERS = {"nco", "township", "human_resources", SERVICE, EMPLOYER}
PLACEMENT_WRITERS = {"nco", "township", "human_resources"}
REFERRAL_MOVERS = PLACEMENT_WRITERS | {EMPLOYER}
FEED_FOLLOWERS = {"nco", "human_resources", SERVICE}
"""events.py: county-wide followers of placements and the platform's services; never an employer's client."""
EVIDENCE_READERS = {"nco", "human_resources", "finance", SERVICE}
HANDOVER_READERS = {"nco", "township", "human_resources", "justice", SERVICE}
HANDOVER_CLOSERS = {"nco", "township", "human_resources"}
CATALOGUE_READERS = {"nco", "human_resources", "justice", "township", "trade_union", "youth_league"} | {
    "womens_federation",
    SERVICE,
}
CATALOGUE_WRITERS = {"nco", "human_resources", "justice"}
ENROLMENT_READERS = {"nco", "human_resources", "justice", "township", SERVICE}
ENROLMENT_WRITERS = {"nco", "human_resources", "justice", "township"}
SHORTFALL_READERS = {"nco", "human_resources", "township", SERVICE}
SELF_EMPLOYMENT_READERS = {"nco", "township", "human_resources", "industry_commerce", SERVICE}
SELF_EMPLOYMENT_WRITERS = {"nco", "township", "human_resources", "industry_commerce"}
IMPORT_LIST_READERS = ORGANISATION_READERS | PLACEMENT_READERS
NOT_IMPORT_OWNERS = KINDS - {"nco", "township"}
"""An import job is seen by the office that started it (here Dapu's township) and the county NCO."""

OWN = {JUR, EMP}
E = "/api/v1/employers/{employer_id}"
S = "/api/v1/placement-sites"
JP = "/api/v1/job-posts"
R = "/api/v1/referrals"
PL = "/api/v1/placements"
H = "/api/v1/handovers"
T = "/api/v1/trainings"
SE = "/api/v1/self-employments"
IMP = "/api/v1/placement-imports"

TABLE = {
    **HEALTH_AND_DOCS,
    # Employers, designations, sites.
    ("GET", "/api/v1/employers"): read(ORGANISATION_READERS),
    ("GET", "/api/v1/employers/export"): read(ORGANISATION_READERS),
    ("POST", "/api/v1/employers"): write(ORGANISATION_WRITERS, own={JUR}, other_side=403),
    ("GET", E): read(ORGANISATION_READERS, own=OWN),
    ("PATCH", E): write(ORGANISATION_WRITERS, own=OWN),
    ("GET", E + "/designations"): read(ORGANISATION_READERS, own=OWN),
    ("POST", E + "/designations"): write(DESIGNATORS, own=OWN),
    ("GET", E + "/designations/status"): read(ORGANISATION_READERS, own=OWN),
    ("GET", S): read(ORGANISATION_READERS),
    # The site's employer, named in the body, does not exist for the other side: 422 "no such employer", the answer
    # to an unknown id (job posts answer 404 to the same).
    ("POST", S): write(ORGANISATION_WRITERS, own={JUR}, other_side=422),
    ("GET", S + "/count"): read(ORGANISATION_READERS),
    ("GET", S + "/{site_id}"): read(ORGANISATION_READERS, own=OWN),
    ("PATCH", S + "/{site_id}"): write(ORGANISATION_WRITERS, own=OWN),
    ("POST", S + "/{site_id}/close"): write(ORGANISATION_WRITERS, own=OWN),
    # Job posts and matching.
    ("GET", JP): read(POST_READERS),
    ("POST", JP): write(POST_WRITERS, own=OWN),
    ("GET", JP + "/{post_id}"): read(POST_READERS, own=OWN),
    ("PATCH", JP + "/{post_id}"): write(POST_WRITERS, own=OWN),
    ("GET", JP + "/suitable-for/{person_id}"): read(PEOPLE_MATCHERS, own={JUR}),
    ("GET", JP + "/{post_id}/candidates"): read(PEOPLE_MATCHERS, own={JUR}),
    # Referrals and placements.
    ("GET", R): read(PLACEMENT_READERS),
    ("POST", R): write(PLACEMENT_WRITERS, own={JUR}),
    ("GET", R + "/{referral_id}"): read(PLACEMENT_READERS, own=OWN),
    ("POST", R + "/{referral_id}/moves"): write(REFERRAL_MOVERS, own=OWN),
    ("GET", PL): read(PLACEMENT_READERS),
    ("GET", PL + "/export"): read(PLACEMENT_READERS),
    ("POST", PL): write(PLACEMENT_WRITERS, own={JUR}),
    ("GET", PL + "/follow-ups-due"): read(PLACEMENT_READERS),
    ("GET", PL + "/{placement_id}"): read(PLACEMENT_READERS, own=OWN),
    ("PATCH", PL + "/{placement_id}"): write(PLACEMENT_WRITERS, own=OWN),
    ("POST", PL + "/{placement_id}/end"): write(PLACEMENT_WRITERS, own=OWN),
    ("PUT", PL + "/{placement_id}/follow-ups/{months}"): write(PLACEMENT_WRITERS, own=OWN),
    ("GET", E + "/subsidy-evidence"): read(EVIDENCE_READERS, county_wide=True),
    ("GET", "/api/v1/subsidy-evidence"): read(EVIDENCE_READERS, county_wide=True),
    # Hand-overs from facilities.
    ("GET", H): read(HANDOVER_READERS),
    ("GET", H + "/{handover_id}"): read(HANDOVER_READERS, own={JUR}),
    ("POST", H + "/{handover_id}/close"): write(HANDOVER_CLOSERS, own={JUR}),
    # Skills training.
    ("GET", T + "/shortfall"): read(SHORTFALL_READERS),
    ("POST", T + "/courses"): write(CATALOGUE_WRITERS),
    ("GET", T + "/courses"): read(CATALOGUE_READERS),
    ("GET", T + "/courses/{course_id}"): read(CATALOGUE_READERS),
    ("POST", T + "/sessions"): write(CATALOGUE_WRITERS),
    ("GET", T + "/sessions"): read(CATALOGUE_READERS),
    ("GET", T + "/sessions/{session_id}"): read(CATALOGUE_READERS),
    ("POST", T + "/sessions/{session_id}/enrolments"): write(ENROLMENT_WRITERS, own={JUR}),
    ("GET", T + "/enrolments"): read(ENROLMENT_READERS),
    ("GET", T + "/enrolments/{enrolment_id}"): read(ENROLMENT_READERS, own={JUR}),
    ("POST", T + "/enrolments/{enrolment_id}/completion"): write(ENROLMENT_WRITERS, own={JUR}),
    # Self-employment and loans.
    ("POST", SE): write(SELF_EMPLOYMENT_WRITERS, own={JUR}),
    ("GET", SE): read(SELF_EMPLOYMENT_READERS),
    ("GET", SE + "/loans"): read(SELF_EMPLOYMENT_READERS),
    ("GET", SE + "/{self_employment_id}"): read(SELF_EMPLOYMENT_READERS, own={JUR}),
    ("PATCH", SE + "/{self_employment_id}"): write(SELF_EMPLOYMENT_WRITERS, own={JUR}),
    ("POST", SE + "/{self_employment_id}/loans"): write(SELF_EMPLOYMENT_WRITERS, own={JUR}),
    ("GET", SE + "/{self_employment_id}/loans"): read(SELF_EMPLOYMENT_READERS, own={JUR}),
    # Imports: a dry run checks each row against the caller's own jurisdiction (nothing refused, nothing written).
    ("POST", IMP): write(ORGANISATION_WRITERS),
    ("GET", IMP): read(IMPORT_LIST_READERS),
    ("GET", IMP + "/{job_id}"): read(IMPORT_LIST_READERS, own={JUR}, unseen=NOT_IMPORT_OWNERS),
    ("GET", IMP + "/{job_id}/issues"): read(IMPORT_LIST_READERS, own={JUR}, unseen=NOT_IMPORT_OWNERS),
    # Audit trail and event feed.
    ("GET", "/api/v1/placement-audit-events"): AUDIT_TRAIL,
    ("GET", "/api/v1/placement-audit-events/verify"): AUDIT_TRAIL,
    ("GET", "/api/v1/placement-events"): read(FEED_FOLLOWERS, county_wide=True),
    # Webhook subscriptions to the feed: county-wide administrators only.
    **webhooks.rows("/api/v1/placement-webhooks"),
}
