"""Who may see what of reporting, as one table (tested as a matrix in tests/reporting/test_policy.py).

The kinds of caller: county-wide staff of the narcotics control office (NCO), county-wide staff of any other
department, township staff (token `jur`: their own jurisdiction), the platform's own services, and employers'
integration clients (token `emp`). On top of this table the token's scopes apply (reporting:read, reporting:write).

- County roles see everything in detail. Only the NCO plans and publishes: targets overrides, bulletins,
  assessments, supervision visits and joint meetings.
- Township staff see their own jurisdiction in detail and the county ranking; other jurisdictions' figures reach
  them as published outputs do (small counts suppressed). Staff may record the progress of their own
  jurisdiction's corrective actions and of the action items their township owns.
- A published bulletin is safe to share: everyone who may read reports may read it, small counts suppressed.
- Rebuilding the read model is an administrator's job (role `admin` with reporting:write).
- Employers' clients and other services see nothing here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from shared.auth import Principal
from shared.errors import AppError
from shared.grants import is_service_client

NCO, COUNTY, TOWNSHIP, SERVICE, EMPLOYER = "nco", "county", "township", "service", "employer"
View = Literal["all", "own"]


class NoReportingAccess(AppError):
    status, code, title = 403, "no_reporting_access", "No access"


@dataclass(frozen=True)
class Grant:
    view: View | None
    """all: every jurisdiction in detail; own: their own in detail, the others as published (suppressed)."""
    bulletins: bool = True
    plan: bool = False
    """Targets overrides, bulletins, assessments, supervision visits, joint meetings (with reporting:write)."""
    own_actions: bool = False
    """Record progress of the corrective actions and action items of their own jurisdiction (with reporting:write)."""


POLICY: dict[str, Grant] = {
    NCO: Grant(view="all", plan=True, own_actions=True),
    COUNTY: Grant(view="all"),
    TOWNSHIP: Grant(view="own", own_actions=True),
    SERVICE: Grant(view=None, bulletins=False),
    EMPLOYER: Grant(view=None, bulletins=False),
}


def caller_kind(principal: Principal) -> str:
    if principal.employer_id is not None:
        return EMPLOYER
    if is_service_client(principal):
        return SERVICE
    if principal.jurisdiction is not None:
        return TOWNSHIP
    return NCO if principal.department == "nco" else COUNTY


def grant(principal: Principal) -> Grant:
    return POLICY[caller_kind(principal)]


def require_view(principal: Principal) -> Grant:
    g = grant(principal)
    if g.view is None or not principal.has_scope("reporting:read"):
        raise NoReportingAccess("You have no access to reports.")
    return g


def require_bulletins(principal: Principal) -> None:
    if not grant(principal).bulletins or not principal.has_scope("reporting:read"):
        raise NoReportingAccess("You have no access to bulletins.")


def require_plan(principal: Principal) -> None:
    require_view(principal)
    if not grant(principal).plan or not principal.has_scope("reporting:write"):
        raise NoReportingAccess("Only the county narcotics control office plans, assesses and publishes.")


def require_action_update(principal: Principal, jurisdiction_code: str | None) -> None:
    """Progress of a corrective action or action item: the NCO, or staff of the jurisdiction that owns it."""
    require_view(principal)
    g = grant(principal)
    if not principal.has_scope("reporting:write") or not g.own_actions:
        raise NoReportingAccess("You may not record progress of actions.")
    if principal.jurisdiction is not None and principal.jurisdiction != jurisdiction_code:
        raise NoReportingAccess("You may record progress only of your own jurisdiction's actions.")


def require_rebuild(principal: Principal) -> None:
    if "admin" not in principal.roles or not principal.has_scope("reporting:write") or principal.jurisdiction:
        raise NoReportingAccess("Only a county administrator may rebuild the read model.")


def detail_for(principal: Principal, jurisdiction_code: str) -> bool:
    """May the caller see this jurisdiction's figures unsuppressed?"""
    g = require_view(principal)
    return g.view == "all" or principal.jurisdiction == jurisdiction_code


def visible_jurisdiction(principal: Principal) -> str | None:
    """None: every jurisdiction exists for the caller's detail views; else only this one."""
    return None if require_view(principal).view == "all" else principal.jurisdiction
