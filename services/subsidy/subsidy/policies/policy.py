"""Who may read and write subsidy policies: one declarative table by kind of caller (subsidy.access), on top of the
token's scopes (subsidy:read / subsidy:write).

A policy is the county's published rule, not personal data: every caller whose token carries subsidy:read may read
it (townships and employers need to know what counts). Writing and publishing is for finance (县财政局), which
pays, and the NCO (县禁毒办), which coordinates; an admin may too."""

from __future__ import annotations

from typing import Final

from shared.auth import Principal
from shared.grants import ReadWrite as Grant
from subsidy.access import ADMIN, caller_kind
from subsidy.policies.exceptions import PolicyChangeForbidden

POLICY: Final[dict[str, Grant]] = {
    "finance": Grant(write=True),
    "nco": Grant(write=True),
}
ANYONE: Final = Grant()
"""Every other caller with the read scope."""


def grant_of(principal: Principal) -> Grant:
    if ADMIN in principal.roles and principal.kind == "user":
        return Grant(write=True)
    return POLICY.get(caller_kind(principal), ANYONE)


def require_read(principal: Principal) -> None:
    if not grant_of(principal).read or "subsidy:read" not in principal.scopes:
        raise PolicyChangeForbidden("You may not read subsidy policies.", code="insufficient_scope")


def require_write(principal: Principal) -> None:
    if not grant_of(principal).write or "subsidy:write" not in principal.scopes:
        raise PolicyChangeForbidden(
            "Only finance (县财政局), the NCO (县禁毒办) or an admin may change subsidy policies."
        )
