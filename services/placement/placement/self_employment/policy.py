"""Who may see and record self-employment (自主创业) and its small guaranteed loans (小额担保贷款): one declarative
table by department, on top of the token's scopes (placement:read / placement:write) and jurisdiction (township staff:
their own people only, the rest are 404).

The NCO and the townships follow people; human resources (employment assistance) and industry & commerce (services
and policy support for the self-employed, notice 84号) record and read it. The platform's own services (client
tokens with the role `service`, e.g. the subsidy service computing interest subsidies) read it county-wide.
Departments not listed see nothing."""

from __future__ import annotations

from typing import Final

from placement.self_employment.exceptions import NoSelfEmploymentAccess
from shared.auth import Principal
from shared.grants import GrantTable, Visibility
from shared.grants import ReadWrite as Grant

POLICY: Final[dict[str, Grant]] = {
    "nco": Grant(write=True),
    "township": Grant(write=True),
    "human_resources": Grant(write=True),
    "industry_commerce": Grant(write=True),
}


TABLE: Final = GrantTable(
    POLICY,
    scope="placement",
    error=NoSelfEmploymentAccess,
    service=Grant(),
    unreadable="Your department has no access to self-employment records.",
)
require_read: Final = TABLE.readable


def require_write(principal: Principal) -> Visibility:
    return TABLE.writable(principal, "write", "You may not record self-employment or loans.")
