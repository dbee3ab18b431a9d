"""Who may read or record a person's dated history: off-register changes and returns (the register itself), work
ability changes, and custody or facility stays. One declarative table by department, on top of the token's scopes
(registry:read / registry:write) and jurisdiction (township staff: only their own people, others are 404).

Off-register changes are the register's own (the NCO and the townships keep it); work ability is also human
resources' (劳动能力 and employment are its work); custody and facility stays are police and health data, recorded by
the police and the case workers. Departments not listed see none of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from registry.history.exceptions import NoHistoryAccess
from shared.grants import GrantTable

Access = Literal["none", "read", "write"]


@dataclass(frozen=True)
class Grant:
    register: Access = "none"
    work_ability: Access = "none"
    stays: Access = "none"


POLICY: Final[dict[str, Grant]] = {
    "nco": Grant(register="write", work_ability="write", stays="write"),
    "township": Grant(register="write", work_ability="write", stays="write"),
    "police": Grant(register="read", work_ability="read", stays="write"),
    "health": Grant(register="read", work_ability="read", stays="read"),
    "civil_affairs": Grant(register="read", work_ability="read"),
    "human_resources": Grant(register="read", work_ability="write"),
}

_LABELS: Final[dict[str, str]] = {
    "register": "off-register changes",
    "work_ability": "work ability changes",
    "stays": "custody and facility stays",
}

TABLE: Final = GrantTable(POLICY, scope="registry", error=NoHistoryAccess, default=Grant(), labels=_LABELS)
require_read: Final = TABLE.require_read
require_write: Final = TABLE.require_write
