"""The placement service's audit trail (shared.audit), kept in its own database."""

from placement.database import Base
from placement.handover.models import Handover
from placement.placements.models import Placement
from placement.referrals.models import Referral
from placement.registry_feed.models import ProjectedPerson
from placement.self_employment.models import SelfEmployment
from placement.training.models import TrainingEnrolment
from shared.audit import AuditLog, audit_table

# Fields whose values the trail keeps (when they look like a code, number, date or id): codes, dates, statuses,
# amounts, versions and the ids of records created. Every other field changed is named with its values redacted:
# names, phones, business names, licence, contract and certificate numbers, notes.
RECORDED_VALUES = frozenset(
    {
        # codes and statuses
        "status",
        "route",
        "end_reason",
        "close_reason",
        "still_working",
        "months",
        "contract_open_ended",
        # dates
        "start_on",
        "end_on",
        "ended_on",
        "completed_on",
        "contract_signed_on",
        "contract_end_on",
        # amounts, terms and versions
        "contract_term_months",
        "monthly_wage",
        "version",
        # ids of the records concerned
        "placement_id",
        "site_id",
        "training_enrolment",
        "self_employment",
        "guaranteed_loan",
    }
)

table = audit_table(Base.metadata)
audit = AuditLog(
    table,
    recorded_values=RECORDED_VALUES,
    # A row names people; their jurisdictions are those of the records this service holds of them, and the one
    # the registry's feed last said.
    jurisdiction_sources=[
        (model.person_id, model.jurisdiction_code)
        for model in (Placement, Referral, SelfEmployment, TrainingEnrolment, Handover, ProjectedPerson)
    ],
)


class AuditEvent(Base):
    """Read-only mapping of the trail for the auditors' queries; rows are written only by `audit.record` and sealed
    by the sealer (the database refuses every other change)."""

    __table__ = table
