"""The registry's audit trail (shared.audit), kept in its own database."""

from registry.database import Base
from registry.persons.models import Person
from registry.transfers.models import PersonTransfer
from shared.audit import AuditLog, audit_table

# Fields whose values the trail keeps (when they look like a code, number, date or id): codes, dates, statuses,
# amounts, versions and the ids of records created. Every other field changed is named with its values redacted:
# names, ID and certificate numbers, phones, addresses, reasons, institutions, notes, skills, substances.
RECORDED_VALUES = frozenset(
    {
        # codes and statuses
        "status",
        "jurisdiction_code",
        "from_jurisdiction_code",
        "to_jurisdiction_code",
        "education",
        "work_ability",
        "kind",
        "role",
        "result",
        "end_reason",
        "medical_insurance",
        "grade",
        "guardian_signed",
        # dates
        "start_on",
        "planned_end_on",
        "actual_end_on",
        "signed_on",
        "end_on",
        "enrolled_on",
        "ended_on",
        "held_on",
        "visited_on",
        "from_on",
        "to_on",
        "granted_on",
        "tested_on",
        "since",
        "issued_on",
        "effective_on",
        "registered_on",
        "archived_on",
        "work_ability_since",
        # amounts and versions
        "amount_cny",
        "version",
        # ids of the records concerned
        "measure",
        "drug_test",
        "member_id",
    }
)

table = audit_table(Base.metadata)
audit = AuditLog(
    table,
    recorded_values=RECORDED_VALUES,
    # A row's jurisdictions: of the persons it names, and both ends of the transfers it names.
    jurisdiction_sources=[
        (Person.id, Person.jurisdiction_code),
        (PersonTransfer.id, PersonTransfer.from_jurisdiction_code),
        (PersonTransfer.id, PersonTransfer.to_jurisdiction_code),
    ],
)


class AuditEvent(Base):
    """Read-only mapping of the audit trail for the auditors' queries; rows are written only by `audit.record` and
    sealed by the sealer (the database refuses every other change)."""

    __table__ = table
