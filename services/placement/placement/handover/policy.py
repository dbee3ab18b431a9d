"""Who may see and close hand-over entries (无缝对接): one declarative table by department, on top of the token's
scopes (placement:read / placement:write) and jurisdiction (township staff: their own people only, the rest are
404). The justice bureau runs the facilities the people come from, so it follows the list; the platform's own
services (client tokens with the role `service`) may read it county-wide. Departments not listed see nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from placement.handover.exceptions import NoHandoverAccess
from shared.auth import Principal
from shared.grants import GrantTable, Visibility


@dataclass(frozen=True)
class Grant:
    read: bool = True
    close: bool = False


POLICY: Final[dict[str, Grant]] = {
    "nco": Grant(close=True),
    "township": Grant(close=True),
    "human_resources": Grant(close=True),
    "justice": Grant(),
}


TABLE: Final = GrantTable(
    POLICY,
    scope="placement",
    error=NoHandoverAccess,
    service=Grant(),
    unreadable="Your department has no access to the hand-over list.",
)
require_read: Final = TABLE.readable


def require_close(principal: Principal) -> Visibility:
    return TABLE.writable(principal, "close", "You may not close hand-over entries.")
