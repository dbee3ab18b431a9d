"""Who may see and change employers, their Qihang designations and placement sites: one declarative table by
department, on top of the token's scopes (placement:read / placement:write) and two limits on what exists for the
caller:

- township staff (token `jur`) see and manage only the employers and sites in their own jurisdiction;
- an employer's integration client (token `emp`) sees only that employer, its designations and its sites, and
  changes none of them.

Whatever lies outside those limits does not exist for the caller (404), in lists and counts too.

This data is about organisations, not people, so it is not written to the audit trail (placement.auditing is for
reads and writes of people's data). The one personal detail here is a contact's name and work phone, given by
the employer so that the programme can reach it: it is never put on the event feed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Final, Literal

from placement.employers.exceptions import NoPlacementAccess
from shared.auth import Principal
from shared.grants import EMPLOYER, SERVICE, GrantTable, caller_kind

Resource = Literal["employers", "designations", "sites"]
Access = Literal["none", "read", "write"]


@dataclass(frozen=True)
class Grant:
    employers: Access = "none"
    designations: Access = "none"
    """Designating a Qihang enterprise is a county decision: township staff only read it."""
    sites: Access = "none"


READ_ALL: Final = Grant(employers="read", designations="read", sites="read")

POLICY: Final[dict[str, Grant]] = {
    "nco": Grant(employers="write", designations="write", sites="write"),
    "human_resources": Grant(employers="write", designations="write", sites="write"),
    "township": Grant(employers="write", designations="read", sites="write"),
    "development_reform": READ_ALL,
    "industry_commerce": READ_ALL,
    "finance": READ_ALL,
    "civil_affairs": READ_ALL,
    "justice": READ_ALL,
    "police": READ_ALL,
    "trade_union": READ_ALL,
    "youth_league": READ_ALL,
    "womens_federation": READ_ALL,
    # health (treatment) and it (system operators) have no part in placement: not listed, no access.
}
SERVICE_GRANT: Final = READ_ALL
"""The platform's own services (client tokens with the role `service`): reporting reads the site counts."""
EMPLOYER_CLIENT_GRANT: Final = READ_ALL
"""An employer's own system: reads only its own employer (see `Scope`)."""

_LABELS: Final[dict[str, str]] = {
    "employers": "employers",
    "designations": "Qihang designations",
    "sites": "placement sites",
}


@dataclass(frozen=True, slots=True)
class Scope:
    """What exists for a caller: None means no limit."""

    jurisdiction: str | None
    employer_id: uuid.UUID | None


TABLE: Final = GrantTable(
    {**POLICY, EMPLOYER: EMPLOYER_CLIENT_GRANT, SERVICE: SERVICE_GRANT},
    scope="placement",
    error=NoPlacementAccess,
    default=Grant(),
    key=caller_kind,
)


def require_read(principal: Principal, resource: Resource) -> Scope:
    TABLE.require_access(principal, resource, "read", f"You may not see {_LABELS[resource]}.")
    return scope_of(principal)


def require_write(principal: Principal, resource: Resource) -> Scope:
    TABLE.require_access(principal, resource, "write", f"You may not change {_LABELS[resource]}.")
    return scope_of(principal)


def scope_of(principal: Principal) -> Scope:
    employer_id = None
    if principal.employer_id is not None:
        try:
            employer_id = uuid.UUID(principal.employer_id)
        except ValueError as exc:
            raise NoPlacementAccess("The token names an employer that is not an id.") from exc
    return Scope(jurisdiction=principal.jurisdiction, employer_id=employer_id)
