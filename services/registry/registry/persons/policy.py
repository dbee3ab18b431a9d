"""Who may do what with a person's record: one declarative table, by department, on top of the token's scopes
(registry:read / registry:write) and jurisdiction (township staff: only people registered in their own).

Departments not listed (finance, justice, development & reform, industry & commerce, the trade union, youth
league and women's federation) have no access to personal records: their work needs none, or (finance) only
what a payment needs, which the subsidy service supplies.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from registry.persons.exceptions import FieldNotAllowed, NoPersonAccess
from shared.auth import Principal
from shared.grants import is_service_client

CORE_FIELDS = frozenset(
    {
        "name",
        "gender",
        "birth_date",
        "ethnicity",
        "phone",
        "household_address",
        "residence_address",
        "education",
        "skills",
        "work_ability",
        "work_ability_reason",
        "work_ability_since",
        "registered_on",
        "guardian_name",
        "guardian_relation",
        "guardian_phone",
        "notes",
    }
)
EMPLOYMENT_FIELDS = frozenset({"education", "skills", "work_ability", "work_ability_reason", "work_ability_since"})


@dataclass(frozen=True)
class Grant:
    read: bool = True
    create: bool = False
    archive: bool = False
    unmask: bool = False
    """May see the full national ID number (each time is audited)."""
    writable: frozenset[str] = field(default_factory=frozenset)


POLICY: dict[str, Grant] = {
    "nco": Grant(create=True, archive=True, unmask=True, writable=CORE_FIELDS),
    "township": Grant(create=True, archive=True, unmask=True, writable=CORE_FIELDS),
    "police": Grant(unmask=True),
    "health": Grant(),
    "civil_affairs": Grant(),
    "human_resources": Grant(writable=EMPLOYMENT_FIELDS),
}


def grant_of(principal: Principal) -> Grant:
    grant = POLICY.get(principal.department or "")
    if grant is None or "registry:read" not in principal.scopes:
        raise NoPersonAccess("Your department has no access to personal records.")
    return grant


def may_write(principal: Principal) -> bool:
    return "registry:write" in principal.scopes


def require_create(principal: Principal) -> None:
    if not (grant_of(principal).create and may_write(principal)):
        raise NoPersonAccess("You may not register people.")


def require_archive(principal: Principal) -> None:
    if not (grant_of(principal).archive and may_write(principal)):
        raise NoPersonAccess("You may not archive records.")


def require_fields(principal: Principal, fields: set[str]) -> None:
    grant = grant_of(principal)
    refused = sorted(fields - grant.writable) if may_write(principal) else sorted(fields)
    if refused:
        raise FieldNotAllowed(f"You may not change: {', '.join(refused)}.")


def require_lookup(principal: Principal) -> None:
    """The batch lookup: staff whose department may read records, and the platform's own services (their client
    tokens carry the role `service`), which see every jurisdiction but only the lookup's few fields."""
    if is_service_client(principal) and "registry:read" in principal.scopes:
        return
    grant_of(principal)


def can_unmask(principal: Principal) -> bool:
    return grant_of(principal).unmask


def visible_jurisdiction(principal: Principal) -> str | None:
    """None: every jurisdiction; else the only one whose people exist for this caller."""
    return principal.jurisdiction
