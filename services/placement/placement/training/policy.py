"""Who may do what with skills training (就业技能培训): one declarative table by department, on top of the token's
scopes (placement:read / placement:write) and jurisdiction (township staff: only their own people's enrolments and
shortfall; the rest are 404 or left out).

- The catalogue (courses and sessions) names no one: the departments that organise training write it (NCO, human
  resources 县人社局 who plan it, justice 县司法局 for training inside detox facilities); the others who take part
  read it.
- Enrolments and completions are a person's data: those who enrol people and follow them.
- The shortfall list (fewer than two trainings a year) is for those who plan training and follow people up.
The platform's own services (client tokens with the role `service`) read everything county-wide."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from placement.training.exceptions import NoTrainingAccess
from shared.grants import GrantTable

Access = Literal["none", "read", "write"]


@dataclass(frozen=True)
class Grant:
    catalogue: Access = "none"
    enrolments: Access = "none"
    shortfall: Access = "none"


POLICY: Final[dict[str, Grant]] = {
    "nco": Grant(catalogue="write", enrolments="write", shortfall="read"),
    "human_resources": Grant(catalogue="write", enrolments="write", shortfall="read"),
    "justice": Grant(catalogue="write", enrolments="write"),
    "township": Grant(catalogue="read", enrolments="write", shortfall="read"),
    "trade_union": Grant(catalogue="read"),
    "youth_league": Grant(catalogue="read"),
    "womens_federation": Grant(catalogue="read"),
}
SERVICE_GRANT: Final = Grant(catalogue="read", enrolments="read", shortfall="read")

_LABELS: Final[dict[str, str]] = {
    "catalogue": "training courses and sessions",
    "enrolments": "training enrolments",
    "shortfall": "the training shortfall",
}

TABLE: Final = GrantTable(
    POLICY, scope="placement", error=NoTrainingAccess, default=Grant(), service=SERVICE_GRANT, labels=_LABELS
)
require_read: Final = TABLE.require_read
require_write: Final = TABLE.require_write
