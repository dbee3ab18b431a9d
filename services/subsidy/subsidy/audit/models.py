"""The subsidy service's audit trail (shared.audit), kept in its own database: every read and write of a subsidy
decision, approval or payment, refused attempts included.

`audit.record(...)` / `audit.audited(...)` as in the registry and placement. The service's tables hold no person's
jurisdiction the trail could look up by id, so callers name the jurisdictions concerned (`jurisdictions=[...]`, or
`trail.jurisdictions` inside `audited`): a township auditor reads only rows naming their own jurisdiction."""

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

table = audit_table(Base.metadata)
audit = AuditLog(table, recorded_values=RECORDED_VALUES)


class AuditEvent(Base):
    """Read-only mapping of the trail for the auditors' queries; rows are written only by `audit.record` and sealed
    by the sealer (the database refuses every other change)."""

    __table__ = table
