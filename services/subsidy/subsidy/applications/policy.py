"""Who may see and act on subsidy applications: one declarative table by kind of caller (subsidy.access), on top of
the token's scopes (subsidy:read to see, subsidy:write to act) and the visibility of decisions (township staff:
their jurisdiction's beneficiaries; an employer's client: its own employer; anything else is 404).

Which step each kind of caller may take is the workflow's table (subsidy.applications.workflow: township staff
apply and review first, the NCO reviews, finance approves and records the payment, an employer's client applies for
itself); this table says who may be in the process at all and who may apply."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from shared.auth import Principal
from shared.grants import GrantTable
from subsidy.access import EMPLOYER, SERVICE, Visibility, caller_kind
from subsidy.applications.exceptions import NoApplicationAccess


@dataclass(frozen=True)
class Grant:
    read: bool = True
    act: bool = False
    apply: bool = False


POLICY: Final[dict[str, Grant]] = {
    "township": Grant(act=True, apply=True),
    EMPLOYER: Grant(act=True, apply=True),
    "nco": Grant(act=True),
    "finance": Grant(act=True),
    "human_resources": Grant(),
    SERVICE: Grant(),
}


TABLE: Final = GrantTable(
    POLICY,
    scope="subsidy",
    error=NoApplicationAccess,
    key=caller_kind,
    unreadable="You have no access to subsidy applications.",
)
require_read: Final = TABLE.readable


def require_act(principal: Principal) -> Visibility:
    return TABLE.writable(principal, "act", "You may not act on subsidy applications.")


def require_apply(principal: Principal) -> Visibility:
    seen = require_act(principal)
    TABLE.require(principal, "apply", "write", "Applications are made by the township or by the employer itself.")
    return seen
