"""Who may evaluate a year and try a draft policy: one declarative table by kind of caller (subsidy.access), on top
of the token's scopes.

Evaluating writes decisions for the whole county: the NCO (县禁毒办, which coordinates the programme) and finance
(县财政局, which pays) start it and follow it (subsidy:write to start, subsidy:read to follow). A what-if reads
every beneficiary's evidence and stores nothing: the same two, plus human resources (县人社局), which runs the
individual subsidies. Township staff, employers and services neither evaluate nor see evaluations: they read the
decisions that concern them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from shared.auth import Principal
from shared.grants import GrantTable
from subsidy.access import caller_kind
from subsidy.evaluations.exceptions import NoEvaluationAccess


@dataclass(frozen=True)
class Grant:
    read: bool = False
    evaluate: bool = False
    what_if: bool = False


POLICY: Final[dict[str, Grant]] = {
    "nco": Grant(read=True, evaluate=True, what_if=True),
    "finance": Grant(read=True, evaluate=True, what_if=True),
    "human_resources": Grant(read=True, what_if=True),
}
NONE: Final = Grant()


def county_wide_kind(principal: Principal) -> str:
    """Evaluations are county-wide: township staff ("" here) have none of them, whatever their department."""
    return caller_kind(principal) if principal.jurisdiction is None else ""


TABLE: Final = GrantTable(POLICY, scope="subsidy", error=NoEvaluationAccess, default=NONE, key=county_wide_kind)


def require_read(principal: Principal) -> None:
    TABLE.require(principal, "read", "read", "Evaluations are for the NCO, finance and human resources.")


def require_evaluate(principal: Principal) -> None:
    TABLE.require(principal, "evaluate", "write", "Only the NCO or finance may evaluate a year.")


def require_what_if(principal: Principal) -> None:
    TABLE.require(principal, "what_if", "read", "A what-if is for the NCO, finance and human resources.")
