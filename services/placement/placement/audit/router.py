"""The auditors' routes over the placement service's trail (shared.audit_api)."""

from placement.audit.models import AuditEvent, audit
from shared.audit_api import audit_router

router = audit_router(audit, AuditEvent, prefix="/api/v1/placement-audit-events")
