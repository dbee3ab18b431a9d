"""Who may see, make and move referrals (推荐): one declarative table by kind of caller (see
placement.placements.policy), on top of the token's scopes. Township staff see only referrals of their
jurisdiction's people; an employer's integration client only referrals to its own posts, which it may move on
(interview, offer, hired or declined) but not make: recommending a person needs the registry, which employers do
not see. Callers not in the table have no access (404 is never reached: 403 first)."""

from __future__ import annotations

from dataclasses import dataclass

from placement.placements.policy import EMPLOYER, SERVICE, Visibility, caller_kind
from placement.referrals.exceptions import NoReferralAccess
from shared.auth import Principal
from shared.grants import GrantTable


@dataclass(frozen=True)
class Grant:
    read: bool = True
    create: bool = False
    advance: bool = False


POLICY: dict[str, Grant] = {
    "nco": Grant(create=True, advance=True),
    "township": Grant(create=True, advance=True),
    "human_resources": Grant(create=True, advance=True),
    EMPLOYER: Grant(advance=True),
    SERVICE: Grant(),
}


TABLE = GrantTable(
    POLICY, scope="placement", error=NoReferralAccess, key=caller_kind, unreadable="You have no access to referrals."
)
require_read = TABLE.readable


def require_create(principal: Principal) -> Visibility:
    return TABLE.writable(principal, "create", "You may not refer people to job posts.")


def require_advance(principal: Principal) -> Visibility:
    return TABLE.writable(principal, "advance", "You may not move referrals on.")
