"""Who may see and record self-employment (自主创业) and its small guaranteed loans (小额担保贷款): one declarative
table by department, on top of the token's scopes (placement:read / placement:write) and jurisdiction (township staff:
their own people only, the rest are 404).

The NCO and the townships follow people; human resources (employment assistance) and industry & commerce (services
and policy support for the self-employed, notice 84号) record and read it. The platform's own services (client
tokens with the role `service`, e.g. the subsidy service computing interest subsidies) read it county-wide.
Departments not listed see nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from placement.self_employment.exceptions import NoSelfEmploymentAccess
from shared.auth import Principal


@dataclass(frozen=True)
class Grant:
    read: bool = True
    write: bool = False


POLICY: Final[dict[str, Grant]] = {
    "nco": Grant(write=True),
    "township": Grant(write=True),
    "human_resources": Grant(write=True),
    "industry_commerce": Grant(write=True),
}


def _grant(principal: Principal) -> Grant | None:
    if "service" in principal.roles and principal.kind == "client":
        return Grant()
    return POLICY.get(principal.department or "")


def require_read(principal: Principal) -> None:
    grant = _grant(principal)
    if grant is None or not grant.read or "placement:read" not in principal.scopes:
        raise NoSelfEmploymentAccess("Your department has no access to self-employment records.")


def require_write(principal: Principal) -> None:
    require_read(principal)
    grant = _grant(principal)
    if not (grant is not None and grant.write and "placement:write" in principal.scopes):
        raise NoSelfEmploymentAccess("You may not record self-employment or loans.")
