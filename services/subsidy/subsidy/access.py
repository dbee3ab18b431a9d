"""Who is calling, as every domain's policy (`<domain>/policy.py`) sees it: an employer's integration client (token
claim `emp`), a platform service's client (role `service`), or staff by department; and what exists for them.

Township staff (token `jur`) see only what concerns their jurisdiction, an employer's client only its own employer;
anything else does not exist for them (404)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from shared.auth import Principal

EMPLOYER = "employer"
SERVICE = "service"
ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class Visibility:
    """The records that exist for a caller: None means no limit on that axis."""

    jurisdiction: str | None
    employer_id: uuid.UUID | None

    @property
    def county_wide(self) -> bool:
        return self.jurisdiction is None and self.employer_id is None


def caller_kind(principal: Principal) -> str:
    """employer, service, or the staff's department code ("" when none)."""
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
