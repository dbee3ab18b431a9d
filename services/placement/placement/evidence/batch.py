"""Subsidy evidence for many employers at once (the subsidy service evaluates a whole year: 5,000 employers are a few
dozen calls, not 5,000). Each contract is judged by the very rule of the single-employer evidence
(placement.evidence.service), over the same placements; this adds, per employer, what the subsidy service needs
besides: the employer's kind and jurisdiction, and the days of the year it held the Qihang designation.

A page is a bounded set of employers in id order: the employers asked for, or without a list every employer with at
least one placement concerning the year. Per page: one query for the employers, one for their designation steps, one
for their placements."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from placement.employers.models import Employer, EmployerDesignation
from placement.evidence import policy
from placement.evidence import service as evidence
from placement.evidence.batch_schemas import (
    BatchContract,
    BatchEvidence,
    EmployerEvidence,
    QihangInYear,
    QihangPeriod,
)
from placement.placements.models import Placement
from placement.registry_feed import programme
from shared.auth import Principal
from shared.pagination import InvalidCursor, PageParams, decode_cursor, encode_cursor

ACTIVE = "active"


def concerns(first: date, last: date):
    """The placements that concern the period first..last, exactly as the single-employer evidence loads them
    (PlacementRepository.at_employer): started by `last`, and either with a contract agreed to run to `first` or
    later, or without an agreed end and not ended before `first`. A test holds the two answers equal."""
    return and_(
        Placement.start_on <= last,
        or_(
            Placement.contract_end_on >= first,
            and_(Placement.contract_end_on.is_(None), or_(Placement.ended_on.is_(None), Placement.ended_on >= first)),
        ),
    )


class BatchEvidenceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @staticmethod
    def _with_evidence(first: date, last: date):
        """The employer has a placement concerning the period: one probe of ix_placement_employer_id per employer
        (the employers in id order are walked until a page is full), not a pass over every placement per page."""
        return exists().where(Placement.employer_id == Employer.id, concerns(first, last))

    async def employer_ids_with_evidence(
        self, first: date, last: date, *, after: uuid.UUID | None, limit: int
    ) -> list[uuid.UUID]:
        stmt = select(Employer.id).where(self._with_evidence(first, last)).order_by(Employer.id).limit(limit)
        if after is not None:
            stmt = stmt.where(Employer.id > after)
        return list(await self.session.scalars(stmt))

    async def count_employers_with_evidence(self, first: date, last: date) -> int:
        return await self.session.scalar(
            select(func.count()).select_from(Employer).where(self._with_evidence(first, last))
        )

    async def employers(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, tuple[str, str]]:
        """id -> (kind, jurisdiction_code)."""
        rows = await self.session.execute(
            select(Employer.id, Employer.kind, Employer.jurisdiction_code).where(Employer.id.in_(ids))
        )
        return {row.id: (row.kind, row.jurisdiction_code) for row in rows}

    async def designation_steps(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[tuple[date, str]]]:
        """id -> the employer's steps as (effective_on, status_after), in order."""
        rows = await self.session.execute(
            select(EmployerDesignation.employer_id, EmployerDesignation.effective_on, EmployerDesignation.status_after)
            .where(EmployerDesignation.employer_id.in_(ids))
            .order_by(EmployerDesignation.employer_id, EmployerDesignation.seq)
        )
        steps: dict[uuid.UUID, list[tuple[date, str]]] = {}
        for row in rows:
            steps.setdefault(row.employer_id, []).append((row.effective_on, row.status_after))
        return steps

    async def placements(self, ids: Sequence[uuid.UUID], first: date, last: date) -> list[Any]:
        """The placements as plain rows of the columns the rule reads (evaluate takes a row of the same names):
        thousands a page, so no ORM objects to build and track."""
        p = Placement
        stmt = (
            select(
                p.id,
                p.person_id,
                p.employer_id,
                p.jurisdiction_code,
                p.route,
                p.contract_number,
                p.contract_signed_on,
                p.start_on,
                p.contract_end_on,
                p.contract_open_ended,
                p.contract_term_months,
                p.ended_on,
                p.end_reason,
            )
            .where(p.employer_id.in_(ids), concerns(first, last))
            .order_by(p.employer_id, p.start_on, p.id)
        )
        return list((await self.session.execute(stmt)).all())


def qihang_in_year(steps: Sequence[tuple[date, str]], year: int) -> QihangInYear:
    """The spans of `year` in which the designation was active: each step's status holds from its effective day to
    the day before the next step's (a later step on the same day replaces it)."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    periods: list[QihangPeriod] = []
    for index, (effective_on, status) in enumerate(steps):
        if status != ACTIVE:
            continue
        until = steps[index + 1][0] - timedelta(days=1) if index + 1 < len(steps) else last
        start, end = max(effective_on, first), min(until, last)
        if start <= end:
            if periods and periods[-1].to_on + timedelta(days=1) == start:
                periods[-1] = QihangPeriod(from_on=periods[-1].from_on, to_on=end)
            else:
                periods.append(QihangPeriod(from_on=start, to_on=end))
    days = sum((p.to_on - p.from_on).days + 1 for p in periods)
    return QihangInYear(held_in_year=days > 0, days_in_year=days, periods=periods)


def _cursor_id(cursor: str | None) -> uuid.UUID | None:
    if cursor is None:
        return None
    (value,) = decode_cursor(cursor, 1)
    try:
        return uuid.UUID(value)
    except (TypeError, ValueError, AttributeError) as exc:
        raise InvalidCursor("The cursor is not one this API issued.") from exc


async def batch_evidence(
    session: AsyncSession,
    *,
    principal: Principal,
    year: int,
    employer_ids: Sequence[uuid.UUID],
    params: PageParams,
) -> BatchEvidence:
    policy.require_read(principal)
    repo = BatchEvidenceRepository(session)
    first, last = date(year, 1, 1), date(year, 12, 31)
    after = _cursor_id(params.cursor)
    total: int | None = None
    if employer_ids:
        wanted = sorted(set(employer_ids))
        if after is not None:
            wanted = [i for i in wanted if i > after]
        page_ids = wanted[: params.limit + 1]
        if params.cursor is None:
            total = len(wanted)
    else:
        page_ids = await repo.employer_ids_with_evidence(first, last, after=after, limit=params.limit + 1)
        if params.cursor is None:
            total = (
                len(page_ids)
                if len(page_ids) <= params.limit
                else await repo.count_employers_with_evidence(first, last)
            )
    next_cursor = None
    if len(page_ids) > params.limit:
        page_ids = page_ids[: params.limit]
        next_cursor = encode_cursor([str(page_ids[-1])])

    employers = await repo.employers(page_ids)
    missing = [i for i in page_ids if i not in employers]
    if employer_ids and total is not None:
        total -= len(missing)
    found = [i for i in page_ids if i in employers]
    steps = await repo.designation_steps(found)
    contracts: dict[uuid.UUID, list[BatchContract]] = {i: [] for i in found}
    placements = await repo.placements(found, first, last)
    histories = await programme.histories(session, [p.person_id for p in placements])
    for placement in placements:
        fields, reasons = evidence.evaluate(placement, year, histories.get(placement.person_id, programme.UNKNOWN))
        contracts[placement.employer_id].append(
            BatchContract(
                **fields,
                person_jurisdiction_code=placement.jurisdiction_code,
                qualifies=not reasons,
                reasons=reasons,
            )
        )
    items = []
    for employer_id in found:
        kind, jurisdiction_code = employers[employer_id]
        headcount = len({c.person_id for c in contracts[employer_id] if c.qualifies})
        items.append(
            EmployerEvidence(
                employer_id=employer_id,
                kind=kind,
                jurisdiction_code=jurisdiction_code,
                qihang=qihang_in_year(steps.get(employer_id, []), year),
                headcount=headcount,
                tier=evidence.tier_of(headcount),
                contracts=contracts[employer_id],
            )
        )
    return BatchEvidence(
        year=year,
        definition_version=evidence.DEFINITION_VERSION,
        definition=evidence.DEFINITION,
        registry_facts_as_of=await programme.facts_as_of(session),
        total_employers=total,
        items=items,
        missing=missing,
        next_cursor=next_cursor,
        limit=params.limit,
    )
