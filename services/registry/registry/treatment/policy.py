"""Who may see and change a person's treatment (voluntary detox agreements, methadone maintenance, counselling): one
declarative table, by department, on top of the token's scopes and jurisdiction (township staff: their own people
only, the rest are 404). Departments not listed (police, civil affairs, human resources, finance, ...) see nothing."""

from __future__ import annotations

from dataclasses import dataclass

from registry.treatment.exceptions import NoTreatmentAccess
from shared.auth import Principal


@dataclass(frozen=True)
class Grant:
    read: bool = True
    write: bool = False


POLICY: dict[str, Grant] = {
    "health": Grant(write=True),
    "nco": Grant(write=True),
    "township": Grant(),
}


def require_read(principal: Principal) -> None:
    grant = POLICY.get(principal.department or "")
    if grant is None or not grant.read or "registry:read" not in principal.scopes:
        raise NoTreatmentAccess("Your department has no access to treatment records.")


def require_write(principal: Principal) -> None:
    require_read(principal)
    if not (POLICY[principal.department or ""].write and "registry:write" in principal.scopes):
        raise NoTreatmentAccess("You may not change treatment records.")
