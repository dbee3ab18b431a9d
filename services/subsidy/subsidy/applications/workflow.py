"""The application's life as ONE declared table: from which status, by which action, to which status, under which
duty, by which kind of caller, and what the step needs. Anything not in the table is refused (409) naming the
steps that may follow.

    submitted --township_approve--> township_reviewed --nco_approve--> nco_reviewed --finance_approve--> approved
    approved --record_payment--> paid
    submitted | township_reviewed | nco_reviewed --return--> returned --resubmit--> submitted
    submitted | township_reviewed | nco_reviewed --reject--> rejected
    submitted | township_reviewed | nco_reviewed | returned --withdraw--> withdrawn

Duties (separation of duties): each person holds at most ONE duty on an application: the applicant's (submit,
resubmit, withdraw), the township review, the NCO review, the finance approval or the payment. So whoever submitted
or reviewed an application cannot approve it, the approver cannot record the payment, and nobody acts twice in two
roles; repeating one's own duty (the applicant resubmitting after a return, the township reviewer reviewing the
corrected application) is the same duty, not a second one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal, get_args

Status = Literal[
    "submitted", "township_reviewed", "nco_reviewed", "approved", "paid", "returned", "rejected", "withdrawn"
]
Action = Literal[
    "township_approve", "nco_approve", "finance_approve", "record_payment", "return", "reject", "resubmit", "withdraw"
]
Duty = Literal["applicant", "township_review", "nco_review", "finance_approval", "payment"]
ACTIONS: Final[tuple[str, ...]] = get_args(Action)
STATUSES: Final[tuple[str, ...]] = get_args(Status)

APPLICANT = ("township", "employer")
"""Who applies: township staff (for the beneficiaries of their jurisdiction) or an employer's own client."""


@dataclass(frozen=True, slots=True)
class Step:
    before: str
    action: str
    after: str
    duty: str
    by: tuple[str, ...]
    """The kinds of caller (subsidy.access.caller_kind) who may take it."""
    needs_reason: bool = False
    needs_payment: bool = False


def _review(before: str, duty: str, by: tuple[str, ...]) -> list[Step]:
    return [
        Step(before, "return", "returned", duty, by, needs_reason=True),
        Step(before, "reject", "rejected", duty, by, needs_reason=True),
        Step(before, "withdraw", "withdrawn", "applicant", APPLICANT),
    ]


TABLE: Final[tuple[Step, ...]] = (
    Step("submitted", "township_approve", "township_reviewed", "township_review", ("township",)),
    *_review("submitted", "township_review", ("township",)),
    Step("township_reviewed", "nco_approve", "nco_reviewed", "nco_review", ("nco",)),
    *_review("township_reviewed", "nco_review", ("nco",)),
    Step("nco_reviewed", "finance_approve", "approved", "finance_approval", ("finance",)),
    *_review("nco_reviewed", "finance_approval", ("finance",)),
    Step("approved", "record_payment", "paid", "payment", ("finance",), needs_payment=True),
    Step("returned", "resubmit", "submitted", "applicant", APPLICANT),
    Step("returned", "withdraw", "withdrawn", "applicant", APPLICANT),
)

TRANSITIONS: Final[dict[tuple[str, str], Step]] = {(s.before, s.action): s for s in TABLE}
TAKEN_BY: Final[dict[str, frozenset[str]]] = {
    action: frozenset(kind for s in TABLE if s.action == action for kind in s.by) for action in ACTIONS
}
"""Who may ever take each action, whatever the status."""
OPEN: Final[tuple[str, ...]] = ("submitted", "township_reviewed", "nco_reviewed", "returned")
"""An application in progress: at most one per beneficiary, type and year."""
COMMITTED: Final[tuple[str, ...]] = ("approved", "paid")
"""Approved or paid: at most one per beneficiary, type and year (the database enforces it)."""
FINAL: Final[tuple[str, ...]] = ("paid", "rejected", "withdrawn")

STATUS_LABELS_ZH: Final[dict[str, str]] = {
    "submitted": "已提交，待乡镇审核",
    "township_reviewed": "乡镇已审核，待县禁毒办审核",
    "nco_reviewed": "县禁毒办已审核，待财政审批",
    "approved": "财政已审批，待拨付",
    "paid": "已拨付",
    "returned": "已退回补正",
    "rejected": "已驳回",
    "withdrawn": "已撤回",
}
ACTION_LABELS_ZH: Final[dict[str, str]] = {
    "township_approve": "乡镇审核通过",
    "nco_approve": "县禁毒办审核通过",
    "finance_approve": "财政审批通过",
    "record_payment": "登记拨付",
    "return": "退回补正",
    "reject": "驳回",
    "resubmit": "重新提交",
    "withdraw": "撤回",
}


def allowed_actions(status: str) -> list[str]:
    return [s.action for s in TABLE if s.before == status]
