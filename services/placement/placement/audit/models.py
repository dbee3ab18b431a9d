"""The placement service's audit trail (shared.audit), kept in its own database."""

from placement.database import Base
from shared.audit import AuditLog, audit_table

table = audit_table(Base.metadata)
audit = AuditLog(table)


class AuditEvent(Base):
    """Read-only mapping of the trail for the auditors' queries; rows are written only by `audit.record`
    (the database refuses UPDATE and DELETE)."""

    __table__ = table
