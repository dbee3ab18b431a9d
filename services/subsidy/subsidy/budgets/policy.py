"""Who may set and read the subsidy budgets: one declarative table by kind of caller (subsidy.access), on top of the
token's scopes. Finance (县财政局) sets the budget of each year and type; the departments that run the subsidies
(NCO, human resources), the townships (which apply) and the platform's services (reporting) read it. A budget is
county money, not personal data: no jurisdiction limit applies."""

from __future__ import annotations

from typing import Final

from shared.auth import Principal
from shared.grants import GrantTable
from shared.grants import ReadWrite as Grant
from subsidy.access import SERVICE, caller_kind
from subsidy.budgets.exceptions import NoBudgetAccess

POLICY: Final[dict[str, Grant]] = {
    "finance": Grant(write=True),
    "nco": Grant(),
    "human_resources": Grant(),
    "township": Grant(),
    SERVICE: Grant(),
}


TABLE: Final = GrantTable(POLICY, scope="subsidy", error=NoBudgetAccess, key=caller_kind)


def require_read(principal: Principal) -> None:
    TABLE.require(principal, "read", "read", "You have no access to subsidy budgets.")


def require_write(principal: Principal) -> None:
    TABLE.require(principal, "write", "write", "Only finance (县财政局) sets subsidy budgets.")
