"""Who may take out a person's whole record (everything the registry holds about them, with the audit trail of who
saw it): only the county narcotics control office (县禁毒办), county-wide, which answers lawful requests (the
person's own request to see a copy of their data, a court's or a supervising authority's) for the whole programme.

Everyone else is refused, with their own reason: township staff hold the day-to-day record of their people but do not
answer such requests; the police, health, civil affairs and human resources each see their part of the record through
its own endpoints; auditors read the audit trail through /api/v1/audit-events. The full national ID number appears in
the record only when the NCO's grant to unmask it holds (persons.policy), and that is audited as an unmask.
"""

from __future__ import annotations

from dataclasses import dataclass

from registry.records.exceptions import NoRecordAccess
from shared.auth import Principal


@dataclass(frozen=True)
class Grant:
    whole_record: bool = False
    county_wide_only: bool = True


POLICY: dict[str, Grant] = {"nco": Grant(whole_record=True)}


def require_whole_record(principal: Principal) -> None:
    grant = POLICY.get(principal.department or "", Grant())
    if not grant.whole_record or "registry:read" not in principal.scopes:
        raise NoRecordAccess("Only the county narcotics control office takes out a person's whole record.")
    if grant.county_wide_only and not principal.county_wide:
        raise NoRecordAccess("A person's whole record is taken out county-wide only.")
