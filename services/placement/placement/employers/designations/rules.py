"""The Qihang designation's life (启航工程企业认定): which step may follow which status, and what status it leaves."""

from __future__ import annotations

from typing import Final

# (status before, action) -> status after. Anything else is refused.
TRANSITIONS: Final[dict[tuple[str, str], str]] = {
    ("not_designated", "designate"): "active",
    ("revoked", "designate"): "active",
    ("active", "suspend"): "suspended",
    ("suspended", "reinstate"): "active",
    ("active", "revoke"): "revoked",
    ("suspended", "revoke"): "revoked",
}

ACTION_LABELS_ZH: Final[dict[str, str]] = {
    "designate": "认定",
    "suspend": "暂停",
    "revoke": "撤销",
    "reinstate": "恢复",
}

EVENT_KINDS: Final[dict[str, str]] = {
    "designate": "employer.designated",
    "suspend": "employer.designation_changed",
    "revoke": "employer.designation_changed",
    "reinstate": "employer.designation_changed",
}


def allowed_actions(status: str) -> list[str]:
    return [action for (before, action) in TRANSITIONS if before == status]
