"""Who may see and change a person's welfare and employment status: one declarative table, by department and by
section of the record, on top of the token's scopes and jurisdiction (township staff: their own people only, the rest
are 404). Civil affairs own the minimum living guarantee, disability and temporary relief; human resources own the
employment/unemployment registration certificate and medical insurance; the NCO and townships do all of it.
Departments not listed (police, health, finance, ...) see nothing here."""

from __future__ import annotations

from dataclasses import dataclass, field

from registry.persons.exceptions import FieldNotAllowed
from registry.welfare.exceptions import NoWelfareAccess
from shared.auth import Principal

SECTIONS = frozenset({"minimum_living_guarantee", "medical_insurance", "disability", "employment_certificate"})
CIVIL_AFFAIRS_SECTIONS = frozenset({"minimum_living_guarantee", "disability"})
HUMAN_RESOURCES_SECTIONS = frozenset({"medical_insurance", "employment_certificate"})


@dataclass(frozen=True)
class Grant:
    read: bool = True
    """May read the current welfare record (all of it: each section gives context to the others)."""
    writable: frozenset[str] = field(default_factory=frozenset)
    relief: bool = False
    """May read and record temporary relief events."""


POLICY: dict[str, Grant] = {
    "nco": Grant(writable=SECTIONS, relief=True),
    "township": Grant(writable=SECTIONS, relief=True),
    "civil_affairs": Grant(writable=CIVIL_AFFAIRS_SECTIONS, relief=True),
    "human_resources": Grant(writable=HUMAN_RESOURCES_SECTIONS),
}


def grant_of(principal: Principal) -> Grant:
    grant = POLICY.get(principal.department or "")
    if grant is None or not grant.read or "registry:read" not in principal.scopes:
        raise NoWelfareAccess("Your department has no access to welfare records.")
    return grant


def may_write(principal: Principal) -> bool:
    return "registry:write" in principal.scopes


def require_sections(principal: Principal, sections: set[str]) -> None:
    grant = grant_of(principal)
    if not may_write(principal) or not grant.writable:
        raise NoWelfareAccess("You may not change welfare records.")
    refused = sorted(sections - grant.writable)
    if refused:
        raise FieldNotAllowed(f"You may not change: {', '.join(refused)}.")


def require_relief_read(principal: Principal) -> None:
    if not grant_of(principal).relief:
        raise NoWelfareAccess("Your department has no access to temporary relief.")


def require_relief_write(principal: Principal) -> None:
    require_relief_read(principal)
    if not may_write(principal):
        raise NoWelfareAccess("You may not record temporary relief.")
