from shared.errors import Forbidden


class NoEvidenceAccess(Forbidden):
    code, title = "no_evidence_access", "No access to subsidy evidence"
