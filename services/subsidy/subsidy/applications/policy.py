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
from subsidy.access import EMPLOYER, SERVICE, Visibility, caller_kind, visibility
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


def grant_of(principal: Principal) -> Grant | None:
    return POLICY.get(caller_kind(principal))


def require_read(principal: Principal) -> Visibility:
    grant = grant_of(principal)
    if grant is None or not grant.read or "subsidy:read" not in principal.scopes:
        raise NoApplicationAccess("You have no access to subsidy applications.")
    return visibility(principal)


def require_act(principal: Principal) -> Visibility:
    seen = require_read(principal)
    grant = grant_of(principal)
    if grant is None or not grant.act or "subsidy:write" not in principal.scopes:
        raise NoApplicationAccess("You may not act on subsidy applications.")
    return seen


def require_apply(principal: Principal) -> Visibility:
    seen = require_act(principal)
    grant = grant_of(principal)
    if grant is None or not grant.apply:
        raise NoApplicationAccess("Applications are made by the township or by the employer itself.")
    return seen
