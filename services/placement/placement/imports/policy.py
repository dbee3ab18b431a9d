"""Who may import employers or placements, and who may see an import job.

Importing is creating: an employer import needs the grant of a single `POST /api/v1/employers` (employers.policy:
the NCO, human resources and township governments, with placement:write), a placement import that of a single
`POST /api/v1/placements` (placements.policy), and each row is held to the same rules (township staff: employers in
their own jurisdiction, people of their own jurisdiction). A job shows the counts and row outcomes of one office's
file, so it is seen by the department and jurisdiction that started it, and by the county NCO, which supervises
every import; for anyone else it does not exist (404)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, false, true

from placement.employers import policy as employers_policy
from placement.employers.exceptions import NoPlacementAccess
from placement.imports.models import ImportKind
from placement.placements import policy as placements_policy
from shared.auth import Principal

SUPERVISING_DEPARTMENT = "nco"


def require_import(principal: Principal, kind: ImportKind) -> None:
    if kind == "employers":
        employers_policy.require_write(principal, "employers")
    else:
        placements_policy.require_write(principal)


def visible_jobs(principal: Principal):
    """A WHERE clause builder over the job table: the jobs this caller may see. A caller who may read neither
    employers nor placements is refused (403), as by the lists."""
    try:
        employers_policy.require_read(principal, "employers")
    except NoPlacementAccess:
        placements_policy.require_read(principal)

    def clause(t: Table) -> Any:
        if principal.employer_id is not None or principal.department is None:
            return false()
        if principal.department == SUPERVISING_DEPARTMENT and principal.county_wide:
            return true()
        return (t.c.owner_department == principal.department) & t.c.owner_jurisdiction.is_not_distinct_from(
            principal.jurisdiction
        )

    return clause
