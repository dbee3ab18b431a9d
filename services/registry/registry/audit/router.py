"""The auditors' routes over the registry's trail (shared.audit_api)."""

from registry.audit.models import AuditEvent, audit
from shared.audit_api import audit_router

router = audit_router(audit, AuditEvent, prefix="/api/v1/audit-events")
