"""The auditors' routes over the subsidy service's trail (shared.audit_api)."""

from shared.audit_api import audit_router
from subsidy.audit.models import AuditEvent, audit

router = audit_router(audit, AuditEvent, prefix="/api/v1/subsidy-audit-events")
