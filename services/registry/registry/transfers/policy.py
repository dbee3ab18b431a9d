"""Who may do what with transfers between jurisdictions (人员迁移): one declarative table by department, on top of
the token's scopes (registry:read / registry:write) and, for each step, which side of the transfer the caller acts
for. County-wide callers (no `jur` claim) act for every jurisdiction; township staff only for their own.

| step    | who (department with the grant, and registry:write)                                   |
|---------|---------------------------------------------------------------------------------------|
| propose | staff of the person's current jurisdiction, or the county narcotics office (NCO)      |
| accept  | staff of the receiving jurisdiction, or the NCO                                       |
| reject  | staff of the receiving jurisdiction, or the NCO                                       |
| cancel  | staff of the proposing jurisdiction, or the NCO                                       |
| read    | NCO and police county-wide; township staff the transfers their jurisdiction is a party to |

A transfer whose parties do not include the caller's jurisdiction does not exist for them (404). A party that asks
for the other side's step gets 403: it already knows the transfer exists. Departments not listed (health, civil
affairs, human resources, finance, ...) have no part in moving people between jurisdictions and see none of it.

What the receiving side sees before it decides (the minimum to decide, documented in TransferPersonSummary): the
person's name, gender, birth year and the kind of control measure in force today, with the proposer's reason, the
new residence address and notes. It does not see the person's record (404) until it accepts. Once a transfer is
closed, only the side that holds the person now (and county-wide readers) sees that summary; the other side keeps
the transfer itself (who, when, from where to where, why) as its history.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from registry.transfers.exceptions import NoTransferAccess, NotYourSide
from shared.auth import Principal
from shared.grants import GrantTable

Step = Literal["propose", "accept", "reject", "cancel"]


@dataclass(frozen=True)
class Grant:
    read: bool = False
    propose: bool = False
    decide: bool = False
    """Accept or reject as the receiving side."""
    cancel: bool = False
    """Withdraw an open proposal as the proposing side."""


POLICY: Final[dict[str, Grant]] = {
    "nco": Grant(read=True, propose=True, decide=True, cancel=True),
    "township": Grant(read=True, propose=True, decide=True, cancel=True),
    "police": Grant(read=True),
}

_STEP_GRANT: Final[dict[Step, str]] = {"propose": "propose", "accept": "decide", "reject": "decide", "cancel": "cancel"}
_STEP_SIDE: Final[dict[Step, str]] = {
    "propose": "the person's current jurisdiction",
    "accept": "the receiving jurisdiction",
    "reject": "the receiving jurisdiction",
    "cancel": "the proposing jurisdiction",
}


TABLE: Final = GrantTable(POLICY, scope="registry", error=NoTransferAccess, default=Grant())


def require_read(principal: Principal) -> None:
    TABLE.require(principal, "read", "read", "Your department has no access to transfers between jurisdictions.")


def require_step(principal: Principal, step: Step) -> None:
    """The department and scope may take this step somewhere (which side: `require_side`)."""
    require_read(principal)
    TABLE.require(principal, _STEP_GRANT[step], "write", f"You may not {step} transfers.")


def acts_for(principal: Principal, jurisdiction_code: str) -> bool:
    return principal.jurisdiction is None or principal.jurisdiction == jurisdiction_code


def require_side(principal: Principal, step: Step, jurisdiction_code: str) -> None:
    if not acts_for(principal, jurisdiction_code):
        raise NotYourSide(f"Only {_STEP_SIDE[step]} may {step} this transfer.")


def sees(principal: Principal, from_code: str, to_code: str) -> bool:
    """Is the caller's jurisdiction a party to a transfer between these two (county-wide: every transfer)?"""
    return principal.jurisdiction is None or principal.jurisdiction in (from_code, to_code)
