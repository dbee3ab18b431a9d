"""Who may import people and who may see an import job.

Importing is registering people: the same grant as a single create (persons.policy: the NCO and township
governments, with registry:write), and each row is held to the same jurisdiction rule (township staff: only their own
jurisdiction's people). A job shows counts and row outcomes of one office's file, so it is seen by the department and
jurisdiction that started it, and by the county NCO, which supervises every import; for anyone else it does not exist
(404)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, true

from registry.persons import policy as persons_policy
from shared.auth import Principal

SUPERVISING_DEPARTMENT = "nco"


def require_import(principal: Principal) -> None:
    persons_policy.require_create(principal)


def visible_jobs(principal: Principal):
    """A WHERE clause builder over the job table: the jobs this caller may see."""
    persons_policy.grant_of(principal)

    def clause(t: Table) -> Any:
        if principal.department == SUPERVISING_DEPARTMENT and principal.county_wide:
            return true()
        return (t.c.owner_department == principal.department) & t.c.owner_jurisdiction.is_not_distinct_from(
            principal.jurisdiction
        )

    return clause
