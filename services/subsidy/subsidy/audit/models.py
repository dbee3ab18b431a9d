"""The subsidy service's audit trail (shared.audit), kept in its own database: every read and write of a subsidy
decision, approval or payment, refused attempts included.

`audit.record(...)` / `audit.audited(...)` as in the registry and placement. A row's jurisdictions are found from
the decisions and applications it names (by their ids, or their beneficiary's: an employer or a person), and callers
may name more (`jurisdictions=[...]`, or `trail.jurisdictions` inside `audited`): a township auditor reads only rows
naming their own jurisdiction."""

from shared.audit import AuditLog, audit_table
from subsidy.database import Base

# Fields whose values the trail keeps (when they look like a code, number, date or id); every other field changed is
# named with its values redacted (names, account and document numbers, reasons, notes).
RECORDED_VALUES = frozenset(
    {
        "status",
        "kind",
        "tier",
        "year",
        "version",
        "headcount",
        "amount_cny",
        "amount",
        "jurisdiction_code",
        "effective_from",
        "effective_to",
        "minimum_contract_months",
        "decided_on",
        "approved_on",
        "paid_on",
        "policy_id",
        "decision_id",
        "employer_id",
        "payment_id",
    }
)


def _jurisdiction_sources():
    """Decisions and applications hold their beneficiary's jurisdiction: found by their own id and the beneficiary's
    (imported when first needed: those models are defined after this log)."""
    from subsidy.applications.models import SubsidyApplication
    from subsidy.decisions.models import SubsidyDecision

    return [
        (model_id, model.jurisdiction_code)
        for model in (SubsidyDecision, SubsidyApplication)
        for model_id in (model.id, model.beneficiary_id)
    ]


table = audit_table(Base.metadata)
audit = AuditLog(table, recorded_values=RECORDED_VALUES, jurisdiction_sources=_jurisdiction_sources)


class AuditEvent(Base):
    """Read-only mapping of the trail for the auditors' queries; rows are written only by `audit.record` and sealed
    by the sealer (the database refuses every other change)."""

    __table__ = table
