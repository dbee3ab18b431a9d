"""Who may read a year's totals: one declarative table by kind of caller (subsidy.access), on top of subsidy:read.
The NCO, finance, human resources and the platform's services (reporting) read the county's; township staff read
their own jurisdiction's (the budget lines are the county's, which is public money, not personal data). Employers'
clients have no totals: they read their own decisions."""

from __future__ import annotations

from typing import Final

from shared.auth import Principal
from shared.errors import Forbidden
from subsidy.access import SERVICE, caller_kind

READERS: Final[frozenset[str]] = frozenset({"nco", "finance", "human_resources", "township", SERVICE})


class NoTotalsAccess(Forbidden):
    code, title = "no_totals_access", "No access to subsidy totals"


def require_read(principal: Principal) -> str | None:
    """The jurisdiction the caller's totals are limited to (None: the county)."""
    if caller_kind(principal) not in READERS or "subsidy:read" not in principal.scopes:
        raise NoTotalsAccess("You have no access to subsidy totals.")
    return principal.jurisdiction
