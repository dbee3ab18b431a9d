"""Who may read or write control measures, drug tests and the derived control status: one declarative table by
department, on top of the token's scopes (registry:read / registry:write) and jurisdiction (township staff: only
people registered in their own; everyone else county-wide).

Departments not listed (finance, justice, development & reform, industry & commerce, the trade union, youth
league, women's federation) see none of it: a measure or a drug test is police and health data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from registry.measures.exceptions import NoMeasureAccess
from shared.grants import GrantTable

Access = Literal["none", "read", "write"]


@dataclass(frozen=True)
class Grant:
    measures: Access = "none"
    drug_tests: Access = "none"
    status: Access = "none"
    """Status is derived: "read" is the most anyone gets."""


POLICY: Final[dict[str, Grant]] = {
    "nco": Grant(measures="write", drug_tests="write", status="read"),
    "police": Grant(measures="write", drug_tests="write", status="read"),
    "township": Grant(measures="write", drug_tests="write", status="read"),
    "health": Grant(drug_tests="read", status="read"),
    "civil_affairs": Grant(status="read"),
    "human_resources": Grant(status="read"),
}

_LABELS: Final[dict[str, str]] = {
    "measures": "control measures",
    "drug_tests": "drug tests",
    "status": "control status",
}

TABLE: Final = GrantTable(POLICY, scope="registry", error=NoMeasureAccess, default=Grant(), labels=_LABELS)
require_read: Final = TABLE.require_read
require_write: Final = TABLE.require_write
