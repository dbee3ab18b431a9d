"""Who may see and change placements (安置记录): one declarative table by kind of caller, on top of the token's
scopes (placement:read / placement:write) and two visibility limits: township staff (token `jur`) see only placements
of people registered in their jurisdiction, an employer's integration client (token `emp`) only placements at that
employer. Whatever is outside a caller's limits does not exist for them (404). Callers not in the table (finance,
police, civil affairs, ...) have no access: placements are personal data their work does not need.

The kinds of caller: an employer's client (`emp` claim), a platform service's client (role `service`), or staff by
department. This module also holds `caller_kind` and `Visibility`, which job posts and referrals use too."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from placement.placements.exceptions import NoPlacementAccess
from shared.auth import Principal

EMPLOYER = "employer"
SERVICE = "service"


@dataclass(frozen=True)
class Grant:
    read: bool = True
    write: bool = False


POLICY: dict[str, Grant] = {
    "nco": Grant(write=True),
    "township": Grant(write=True),
    "human_resources": Grant(write=True),
    SERVICE: Grant(),
    EMPLOYER: Grant(),
}


@dataclass(frozen=True)
class Visibility:
    """The records that exist for a caller: None means no limit on that axis."""

    jurisdiction: str | None
    employer_id: uuid.UUID | None


def caller_kind(principal: Principal) -> str:
    if principal.employer_id is not None:
        return EMPLOYER
    if principal.kind == "client" and SERVICE in principal.roles:
        return SERVICE
    return principal.department or ""


def visibility(principal: Principal) -> Visibility:
    employer_id: uuid.UUID | None = None
    if principal.employer_id is not None:
        try:
            employer_id = uuid.UUID(principal.employer_id)
        except ValueError:
            # A malformed `emp` claim still limits the client: to an employer that cannot exist.
            employer_id = uuid.UUID(int=0)
    return Visibility(jurisdiction=principal.jurisdiction, employer_id=employer_id)


def require_read(principal: Principal) -> Visibility:
    grant = POLICY.get(caller_kind(principal))
    if grant is None or not grant.read or "placement:read" not in principal.scopes:
        raise NoPlacementAccess("You have no access to placements.")
    return visibility(principal)


def require_write(principal: Principal) -> Visibility:
    seen = require_read(principal)
    if not (POLICY[caller_kind(principal)].write and "placement:write" in principal.scopes):
        raise NoPlacementAccess("You may not record or change placements.")
    return seen
