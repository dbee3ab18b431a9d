"""Evidence for the enterprise placement subsidy (企业安置补助): which people an employer employed in a year on
contracts of one year or more, and which contracts did not count and why. The subsidy service decides the amount
under its yearly policy; this only gives the facts it counts, each traceable to a placement."""

import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from placement.employers.exceptions import EmployerNotFound
from placement.employers.repository import EmployerRepository
from placement.evidence import policy
from placement.evidence.schemas import (
    TIER_LABELS_ZH,
    ContractEvidence,
    NonQualifying,
    QualifyingPerson,
    SubsidyEvidence,
)
from placement.placements.models import Placement
from placement.placements.repository import PlacementRepository
from shared.auth import Principal

MIN_TERM_MONTHS = 12
DEFINITION = (
    "Qualifying contract (v1): an employment contract at this employer, open-ended or with a term of at least 12 "
    "whole months (1 Jan-31 Dec is 12 months: a month ends the day before the same day of the next month), in "
    "force on at least one day of the year. A contract is in force from its start to the earlier of its agreed "
    "end and the placement's last day of work (ended_on). A contract ended early still counts: the notice "
    "subsidises contracts signed for a year or more; days_in_force_in_year shows how long it ran. Headcount: "
    "distinct people with a qualifying contract. Tiers: 100_or_more (>=100), 50_to_99 (50-99), under_50 (1-49), "
    "none (0). Whether each person was under community detox or rehabilitation, and whether the employer is a "
    "Qihang enterprise, is for the subsidy service to check. Listed: the placements that started by 31 December "
    "and whose contract was agreed to run into the year (or, without an agreed end, had not ended before it); "
    "contracts that ran out in earlier years are not listed."
)


def tier_of(headcount: int) -> str:
    if headcount >= 100:
        return "100_or_more"
    if headcount >= 50:
        return "50_to_99"
    if headcount >= 1:
        return "under_50"
    return "none"


def _evidence(placement: Placement, year: int) -> tuple[dict, list[str]]:
    """The contract's evidence fields (plain values: a long answer is built once, not validated twice) and the
    reasons it does not qualify."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    ends = [d for d in (placement.contract_end_on, placement.ended_on) if d is not None]
    last_day = min(ends) if ends else None
    from_day = max(placement.start_on, first)
    to_day = min(last_day, last) if last_day is not None else last
    in_force = from_day <= to_day
    evidence = dict(
        placement_id=placement.id,
        person_id=placement.person_id,
        route=placement.route,
        contract_number=placement.contract_number,
        signed_on=placement.contract_signed_on,
        start_on=placement.start_on,
        end_on=placement.contract_end_on,
        open_ended=placement.contract_open_ended,
        term_months=placement.contract_term_months,
        ended_on=placement.ended_on,
        end_reason=placement.end_reason,
        in_force_from=from_day if in_force else None,
        in_force_to=to_day if in_force else None,
        days_in_force_in_year=(to_day - from_day).days + 1 if in_force else 0,
    )
    reasons: list[str] = []
    if placement.contract_number is None:
        reasons.append("no_contract")
    elif not placement.contract_open_ended and (placement.contract_term_months or 0) < MIN_TERM_MONTHS:
        reasons.append("term_under_12_months")
    if not in_force:
        reasons.append("not_in_force_in_year")
    return evidence, reasons


async def subsidy_evidence(
    session: AsyncSession, *, principal: Principal, employer_id: uuid.UUID, year: int
) -> SubsidyEvidence:
    policy.require_read(principal)
    if await EmployerRepository(session).get(employer_id) is None:
        raise EmployerNotFound("No such employer.")
    qualifying: dict[uuid.UUID, list[ContractEvidence]] = {}
    non_qualifying: list[NonQualifying] = []
    # Placements starting after the year, or finished (by their agreed end) before it, are not evidence of it.
    placements = await PlacementRepository(session).at_employer(
        employer_id, first=date(year, 1, 1), last=date(year, 12, 31)
    )
    for placement in placements:
        evidence, reasons = _evidence(placement, year)
        if reasons:
            non_qualifying.append(NonQualifying(**evidence, reasons=reasons))
        else:
            qualifying.setdefault(placement.person_id, []).append(ContractEvidence(**evidence))
    headcount = len(qualifying)
    tier = tier_of(headcount)
    return SubsidyEvidence(
        employer_id=employer_id,
        year=year,
        definition=DEFINITION,
        headcount=headcount,
        tier=tier,
        tier_label_zh=TIER_LABELS_ZH[tier],
        qualifying=[QualifyingPerson(person_id=pid, contracts=c) for pid, c in qualifying.items()],
        non_qualifying=non_qualifying,
    )
