"""Who may see and change placements (安置记录): one declarative table by kind of caller, on top of the token's
scopes (placement:read / placement:write) and two visibility limits: township staff (token `jur`) see only placements
of people registered in their jurisdiction, an employer's integration client (token `emp`) only placements at that
employer. Whatever is outside a caller's limits does not exist for them (404). Callers not in the table (finance,
police, civil affairs, ...) have no access: placements are personal data their work does not need.

The kinds of caller: an employer's client (`emp` claim), a platform service's client (role `service`), or staff by
department. `caller_kind` and `Visibility` are shared.grants'."""

from __future__ import annotations

from placement.placements.exceptions import NoPlacementAccess
from shared.auth import Principal
from shared.grants import EMPLOYER, SERVICE, GrantTable, Visibility, caller_kind
from shared.grants import ReadWrite as Grant

POLICY: dict[str, Grant] = {
    "nco": Grant(write=True),
    "township": Grant(write=True),
    "human_resources": Grant(write=True),
    SERVICE: Grant(),
    EMPLOYER: Grant(),
}


TABLE = GrantTable(
    POLICY, scope="placement", error=NoPlacementAccess, key=caller_kind, unreadable="You have no access to placements."
)
require_read = TABLE.readable


def require_write(principal: Principal) -> Visibility:
    return TABLE.writable(principal, "write", "You may not record or change placements.")
