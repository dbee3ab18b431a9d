"""Who may see and change a person's support team and its visits: one declarative table, by department, on top of
the token's scopes (registry:read / registry:write) and jurisdiction (township staff: their own people only, the
rest are 404). Departments not listed (health, civil affairs, human resources, finance, ...) see nothing here."""

from __future__ import annotations

from registry.support.exceptions import NoSupportAccess
from shared.auth import Principal
from shared.grants import GrantTable
from shared.grants import ReadWrite as Grant

POLICY: dict[str, Grant] = {
    "nco": Grant(write=True),
    "township": Grant(write=True),
    "police": Grant(),
}


TABLE = GrantTable(
    POLICY,
    scope="registry",
    error=NoSupportAccess,
    unreadable="Your department has no access to support teams and visits.",
)
require_read = TABLE.readable


def require_write(principal: Principal) -> None:
    TABLE.writable(principal, "write", "You may not change support teams or record visits.")
