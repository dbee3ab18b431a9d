"""Who may see and change a person's treatment (voluntary detox agreements, methadone maintenance, counselling): one
declarative table, by department, on top of the token's scopes and jurisdiction (township staff: their own people
only, the rest are 404). Departments not listed (police, civil affairs, human resources, finance, ...) see nothing."""

from __future__ import annotations

from registry.treatment.exceptions import NoTreatmentAccess
from shared.auth import Principal
from shared.grants import GrantTable
from shared.grants import ReadWrite as Grant

POLICY: dict[str, Grant] = {
    "health": Grant(write=True),
    "nco": Grant(write=True),
    "township": Grant(),
}


TABLE = GrantTable(
    POLICY, scope="registry", error=NoTreatmentAccess, unreadable="Your department has no access to treatment records."
)
require_read = TABLE.readable


def require_write(principal: Principal) -> None:
    TABLE.writable(principal, "write", "You may not change treatment records.")
