"""The registry's access policy, operation by operation (checked by tests/access/test_registry.py).

Each row: the caller kinds that get an answer and the scope they need (everyone else 403, no token 401); `own=JUR`:
the object belongs to a jurisdiction, and another jurisdiction's township callers get 404 (`other_side` when it is
not 404); `unseen`: kinds that pass the policy but for whom this object does not exist; `county_wide`: township
callers refused. The departments come from each area's policy.py; a row that differs from it is a finding.
"""

from tests.access import webhooks
from tests.access.matrix import ANYONE, AUDIT_TRAIL, HEALTH_AND_DOCS, JUR, SERVICE, rules_for

read, write = rules_for("registry")

PERSONS = {"nco", "township", "police", "health", "civil_affairs", "human_resources"}
"""persons/policy.py: the departments whose work needs people's records."""
REGISTRARS = {"nco", "township"}
UNMASK = {"nco", "township", "police"}
EMPLOYMENT_FIELDS_WRITERS = {"nco", "township", "human_resources"}
"""Who may change a person's skills (the PATCH of the matrix changes skills: human resources' own fields)."""
MEASURES = {"nco", "police", "township"}
DRUG_TEST_READERS = MEASURES | {"health"}
STATUS_READERS = MEASURES | {"health", "civil_affairs", "human_resources"}
SUPPORT_READERS = {"nco", "township", "police"}
SUPPORT_WRITERS = {"nco", "township"}
TREATMENT_READERS = {"health", "nco", "township"}
TREATMENT_WRITERS = {"health", "nco"}
WELFARE_READERS = {"nco", "township", "civil_affairs", "human_resources"}
MEDICAL_INSURANCE_WRITERS = {"nco", "township", "human_resources"}
"""The welfare PUT of the matrix sets medical insurance: human resources' section (civil affairs: 403)."""
RELIEF = {"nco", "township", "civil_affairs"}
TRANSFER_READERS = {"nco", "township", "police"}
TRANSFER_WRITERS = {"nco", "township"}
HISTORY_WRITERS = {"nco", "township"}
"""history/policy.py: off-register changes are the register's own."""
ABILITY_WRITERS = {"nco", "township", "human_resources"}
STAY_READERS = {"nco", "township", "police", "health"}
STAY_WRITERS = {"nco", "township", "police"}
NOT_IMPORT_OWNERS = {"police", "health", "civil_affairs", "human_resources"}
"""An import job is seen by the office that started it (here Dapu's township) and the county NCO."""
P = "/api/v1/persons/{person_id}"

TABLE = {
    **HEALTH_AND_DOCS,
    # Reference data: every reader of the registry, the platform's services too.
    ("GET", "/api/v1/jurisdictions"): read(ANYONE),
    ("GET", "/api/v1/jurisdictions/{code}"): read(ANYONE),
    # People.
    ("GET", "/api/v1/persons"): read(PERSONS),
    ("GET", "/api/v1/persons/export"): read(PERSONS),
    ("POST", "/api/v1/persons"): write(REGISTRARS, own={JUR}, other_side=403),
    ("POST", "/api/v1/persons/search-by-id-number"): read(PERSONS, own={JUR}),
    ("POST", "/api/v1/persons/lookup"): read(PERSONS | {SERVICE}),
    ("GET", P): read(PERSONS, own={JUR}),
    ("PATCH", P): write(EMPLOYMENT_FIELDS_WRITERS, own={JUR}),
    ("GET", P + "/id-number"): read(UNMASK, own={JUR}),
    ("POST", P + "/archive"): write(REGISTRARS, own={JUR}),
    ("GET", P + "/record"): read({"nco"}, county_wide=True),
    # Imports: a dry run checks each row against the caller's own jurisdiction (nothing refused, nothing written).
    ("POST", "/api/v1/person-imports"): write(REGISTRARS),
    ("GET", "/api/v1/person-imports"): read(PERSONS),
    ("GET", "/api/v1/person-imports/{job_id}"): read(PERSONS, own={JUR}, unseen=NOT_IMPORT_OWNERS),
    ("GET", "/api/v1/person-imports/{job_id}/issues"): read(PERSONS, own={JUR}, unseen=NOT_IMPORT_OWNERS),
    # Control measures, drug tests, status.
    ("GET", P + "/measures"): read(MEASURES, own={JUR}),
    ("POST", P + "/measures"): write(MEASURES, own={JUR}),
    ("POST", P + "/measures/{measure_id}/end"): write(MEASURES, own={JUR}),
    ("POST", P + "/measures/{measure_id}/corrections"): write(MEASURES, own={JUR}),
    ("GET", P + "/status"): read(STATUS_READERS, own={JUR}),
    ("GET", P + "/drug-tests"): read(DRUG_TEST_READERS, own={JUR}),
    ("POST", P + "/drug-tests"): write(MEASURES, own={JUR}),
    # Dated history: off-register changes and returns, work ability, custody and facility stays.
    ("GET", P + "/register-changes"): read(PERSONS, own={JUR}),
    ("POST", P + "/register-changes"): write(HISTORY_WRITERS, own={JUR}),
    ("POST", P + "/register-changes/{change_id}/withdrawal"): write(HISTORY_WRITERS, own={JUR}),
    ("GET", P + "/work-ability-changes"): read(PERSONS, own={JUR}),
    ("POST", P + "/work-ability-changes"): write(ABILITY_WRITERS, own={JUR}),
    ("GET", P + "/stays"): read(STAY_READERS, own={JUR}),
    ("POST", P + "/stays"): write(STAY_WRITERS, own={JUR}),
    ("POST", P + "/stays/{stay_id}/end"): write(STAY_WRITERS, own={JUR}),
    ("POST", P + "/stays/{stay_id}/withdrawal"): write(STAY_WRITERS, own={JUR}),
    # Support teams and visits.
    ("GET", P + "/support-team"): read(SUPPORT_READERS, own={JUR}),
    ("POST", P + "/support-team"): write(SUPPORT_WRITERS, own={JUR}),
    ("POST", P + "/support-team/{member_id}/leave"): write(SUPPORT_WRITERS, own={JUR}),
    ("GET", P + "/visits"): read(SUPPORT_READERS, own={JUR}),
    ("POST", P + "/visits"): write(SUPPORT_WRITERS, own={JUR}),
    # Treatment.
    ("GET", P + "/treatment/agreements"): read(TREATMENT_READERS, own={JUR}),
    ("POST", P + "/treatment/agreements"): write(TREATMENT_WRITERS, own={JUR}),
    ("GET", P + "/treatment/methadone"): read(TREATMENT_READERS, own={JUR}),
    ("POST", P + "/treatment/methadone"): write(TREATMENT_WRITERS, own={JUR}),
    ("POST", P + "/treatment/methadone/{enrolment_id}/end"): write(TREATMENT_WRITERS, own={JUR}),
    ("GET", P + "/treatment/counselling"): read(TREATMENT_READERS, own={JUR}),
    ("POST", P + "/treatment/counselling"): write(TREATMENT_WRITERS, own={JUR}),
    # Welfare.
    ("GET", P + "/welfare"): read(WELFARE_READERS, own={JUR}),
    ("PUT", P + "/welfare"): write(MEDICAL_INSURANCE_WRITERS, own={JUR}),
    ("GET", P + "/welfare/relief"): read(RELIEF, own={JUR}),
    ("POST", P + "/welfare/relief"): write(RELIEF, own={JUR}),
    # Transfers: the world's transfer goes from Dapu (A) to Taiping, a party of neither side. Dapu proposed it: it may
    # cancel it, not accept or reject it (that is the receiving side's step: 403).
    ("GET", "/api/v1/transfers"): read(TRANSFER_READERS),
    ("POST", "/api/v1/transfers"): write(TRANSFER_WRITERS, own={JUR}),
    ("GET", "/api/v1/transfers/{transfer_id}"): read(TRANSFER_READERS, own={JUR}),
    ("POST", "/api/v1/transfers/{transfer_id}/accept"): write(
        TRANSFER_WRITERS, own={JUR}, refused={"staff:township@A": 403, "admin:township@A": 403}
    ),
    ("POST", "/api/v1/transfers/{transfer_id}/reject"): write(
        TRANSFER_WRITERS, own={JUR}, refused={"staff:township@A": 403, "admin:township@A": 403}
    ),
    ("POST", "/api/v1/transfers/{transfer_id}/cancel"): write(TRANSFER_WRITERS, own={JUR}),
    ("GET", P + "/transfers"): read(TRANSFER_READERS, own={JUR}),
    # Audit trail and event feed.
    ("GET", "/api/v1/audit-events"): AUDIT_TRAIL,
    ("GET", "/api/v1/audit-events/verify"): AUDIT_TRAIL,
    ("GET", "/api/v1/registry-events"): read(PERSONS | {SERVICE}, county_wide=True),
    # Webhook subscriptions to the feed: county-wide administrators only.
    **webhooks.rows("/api/v1/registry-webhooks"),
}
