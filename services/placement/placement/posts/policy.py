"""Who may see and change job posts (岗位): one declarative table by kind of caller (see placement.placements.policy
for the kinds), on top of the token's scopes (placement:read / placement:write). A vacancy is no one's personal
data, so every staff department may read posts; township staff see and change only posts of employers in their
jurisdiction, an employer's integration client only its own employer's (the rest are 404)."""

from __future__ import annotations

from placement.placements.policy import EMPLOYER, SERVICE, Visibility, caller_kind
from placement.posts.exceptions import NoPostAccess
from shared.auth import Principal
from shared.grants import GrantTable
from shared.grants import ReadWrite as Grant
from shared.reference import DEPARTMENTS

POLICY: dict[str, Grant] = {
    **{department: Grant() for department in DEPARTMENTS},
    "nco": Grant(write=True),
    "township": Grant(write=True),
    "human_resources": Grant(write=True),
    SERVICE: Grant(),
    EMPLOYER: Grant(write=True),
}


TABLE = GrantTable(
    POLICY, scope="placement", error=NoPostAccess, key=caller_kind, unreadable="You have no access to job posts."
)
require_read = TABLE.readable


def require_write(principal: Principal) -> Visibility:
    return TABLE.writable(principal, "write", "You may not publish or change job posts.")
