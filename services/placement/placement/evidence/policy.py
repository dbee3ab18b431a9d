"""Who may read an employer's subsidy evidence: an internal view for the subsidy service's client and county staff
of the departments that decide, pay or coordinate the subsidy (NCO, human resources, finance). It lists people
(registry ids only) and contracts of a whole employer, so it is county-wide only: township staff and employers'
own clients are refused (403), as is every other department."""

from __future__ import annotations

from placement.evidence.exceptions import NoEvidenceAccess
from placement.placements.policy import SERVICE, caller_kind
from shared.auth import Principal

POLICY: dict[str, bool] = {
    "nco": True,
    "human_resources": True,
    "finance": True,
    SERVICE: True,
}


def require_read(principal: Principal) -> None:
    allowed = POLICY.get(caller_kind(principal), False)
    if not allowed or not principal.county_wide or "placement:read" not in principal.scopes:
        raise NoEvidenceAccess("Subsidy evidence is for the subsidy service and county staff only.")
