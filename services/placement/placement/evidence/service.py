"""Evidence for the enterprise placement subsidy (企业安置补助): which people an employer employed in a year on
contracts of one year or more, signed while they were in the programme, and which contracts did not count and why.
The subsidy service decides the amount under its yearly policy; this only gives the facts it counts, each traceable
to a placement.

The qualifying rule lives here once: `evaluate` judges one contract, `assemble` one employer's contracts. The single
endpoint below and the batch endpoint (placement.evidence.batch) both call them, so the two never disagree. Whether
the person was in the programme on the contract's start date comes from placement's projection of the registry's
feed (placement.registry_feed.programme), loaded for all of an employer's people in two queries."""

import uuid
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Protocol

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
from placement.placements.repository import PlacementRepository
from placement.registry_feed import programme
from placement.registry_feed.programme import UNKNOWN, ProgrammeHistory
from shared.auth import Principal

MIN_TERM_MONTHS = 12
DEFINITION_VERSION = "v2"
DEFINITION = (
    "Qualifying contract (v2): an employment contract at this employer, open-ended or with a term of at least 12 "
    "whole months (1 Jan-31 Dec is 12 months: a month ends the day before the same day of the next month), in "
    "force on at least one day of the year, and on whose start date the person was under community detox "
    "(社区戒毒) or community rehabilitation (社区康复): the notice subsidises contracts with people in the "
    "programme. That is read from the registry's measure history (corrections applied; a measure is in force from "
    "its start to the day before its actual end) as placement's projection of the registry's event feed holds it "
    "at registry_facts_as_of. A contract is in force from its start to the earlier of its agreed end and the "
    "placement's last day of work (ended_on). A contract ended early still counts: the notice subsidises contracts "
    "signed for a year or more; days_in_force_in_year shows how long it ran. Headcount: distinct people with a "
    "qualifying contract. Tiers: 100_or_more (>=100), 50_to_99 (50-99), under_50 (1-49), none (0). Whether the "
    "employer is a Qihang enterprise is for the subsidy service to check. Listed: the placements that started by "
    "31 December and whose contract was agreed to run into the year (or, without an agreed end, had not ended "
    "before it); contracts that ran out in earlier years are not listed. Excluded contracts name every reason "
    "that applies (not_in_programme_at_start: under neither measure on the start date; registry_facts_missing: "
    "the registry's feed has not reported the person to placement yet). Changed from v1: v1 did not look at the "
    "programme and counted contracts with people who were never in it."
)


class ContractFacts(Protocol):
    """What the rule reads of a placement (an ORM Placement, or a row of the same names)."""

    id: uuid.UUID
    person_id: uuid.UUID
    route: str
    contract_number: str | None
    contract_signed_on: date | None
    start_on: date
    contract_end_on: date | None
    contract_open_ended: bool | None
    contract_term_months: int | None
    ended_on: date | None
    end_reason: str | None


def tier_of(headcount: int) -> str:
    if headcount >= 100:
        return "100_or_more"
    if headcount >= 50:
        return "50_to_99"
    if headcount >= 1:
        return "under_50"
    return "none"


def evaluate(placement: ContractFacts, year: int, history: ProgrammeHistory) -> tuple[dict, list[str]]:
    """THE qualifying rule for one contract (DEFINITION): its evidence fields (plain values: a long answer is built
    once, not validated twice) and the reasons it does not qualify, in a fixed order (none: it qualifies)."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    ends = [d for d in (placement.contract_end_on, placement.ended_on) if d is not None]
    last_day = min(ends) if ends else None
    from_day = max(placement.start_on, first)
    to_day = min(last_day, last) if last_day is not None else last
    in_force = from_day <= to_day
    programme_at_start = history.kind_on(placement.start_on)
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
        programme_at_start=programme_at_start,
    )
    reasons: list[str] = []
    if placement.contract_number is None:
        reasons.append("no_contract")
    elif not placement.contract_open_ended and (placement.contract_term_months or 0) < MIN_TERM_MONTHS:
        reasons.append("term_under_12_months")
    if not in_force:
        reasons.append("not_in_force_in_year")
    if not history.known:
        reasons.append("registry_facts_missing")
    elif programme_at_start is None:
        reasons.append("not_in_programme_at_start")
    return evidence, reasons


def assemble(
    employer_id: uuid.UUID,
    year: int,
    placements: Iterable[ContractFacts],
    histories: Mapping[uuid.UUID, ProgrammeHistory],
    registry_facts_as_of: datetime | None,
) -> SubsidyEvidence:
    """One employer's evidence for a year from its placements that concern the year
    (PlacementRepository.at_employer) and their people's programme histories (programme.histories)."""
    qualifying: dict[uuid.UUID, list[ContractEvidence]] = {}
    non_qualifying: list[NonQualifying] = []
    for placement in placements:
        evidence, reasons = evaluate(placement, year, histories.get(placement.person_id, UNKNOWN))
        if reasons:
            non_qualifying.append(NonQualifying(**evidence, reasons=reasons))
        else:
            qualifying.setdefault(placement.person_id, []).append(ContractEvidence(**evidence))
    headcount = len(qualifying)
    tier = tier_of(headcount)
    return SubsidyEvidence(
        employer_id=employer_id,
        year=year,
        definition_version=DEFINITION_VERSION,
        definition=DEFINITION,
        registry_facts_as_of=registry_facts_as_of,
        headcount=headcount,
        tier=tier,
        tier_label_zh=TIER_LABELS_ZH[tier],
        qualifying=[QualifyingPerson(person_id=pid, contracts=c) for pid, c in qualifying.items()],
        non_qualifying=non_qualifying,
    )


async def employer_evidence(session: AsyncSession, *, employer_id: uuid.UUID, year: int) -> SubsidyEvidence:
    """One employer's evidence, loaded and assembled (no access check: the caller has made it)."""
    # Placements starting after the year, or finished (by their agreed end) before it, are not evidence of it.
    placements = await PlacementRepository(session).at_employer(
        employer_id, first=date(year, 1, 1), last=date(year, 12, 31)
    )
    histories = await programme.histories(session, [p.person_id for p in placements])
    return assemble(employer_id, year, placements, histories, await programme.facts_as_of(session))


async def subsidy_evidence(
    session: AsyncSession, *, principal: Principal, employer_id: uuid.UUID, year: int
) -> SubsidyEvidence:
    policy.require_read(principal)
    if await EmployerRepository(session).get(employer_id) is None:
        raise EmployerNotFound("No such employer.")
    return await employer_evidence(session, employer_id=employer_id, year=year)
