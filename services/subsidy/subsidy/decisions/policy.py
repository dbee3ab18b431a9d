"""Who may see subsidy decisions (and their evidence): one declarative table by kind of caller (subsidy.access), on
top of the token's scope subsidy:read and two visibility limits: township staff see the decisions of beneficiaries
in their own jurisdiction, an employer's integration client only its own employer's; anything else does not exist
for them (404).

The NCO (coordinates), finance (pays), human resources (employment assistance) and the platform's services (the
reporting service) read county-wide. Other departments have no business with who got which subsidy: no access.
Decisions are written only by evaluations (subsidy.evaluations.policy)."""

from __future__ import annotations

from typing import Final

from shared.auth import Principal
from subsidy.access import EMPLOYER, SERVICE, Visibility, caller_kind, visibility
from subsidy.decisions.exceptions import NoDecisionAccess

READERS: Final[frozenset[str]] = frozenset({"nco", "finance", "human_resources", "township", SERVICE, EMPLOYER})


def require_read(principal: Principal) -> Visibility:
    if caller_kind(principal) not in READERS or "subsidy:read" not in principal.scopes:
        raise NoDecisionAccess("You have no access to subsidy decisions.")
    return visibility(principal)
