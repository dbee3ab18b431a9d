"""Everything placement knows that a year's subsidies need, gathered in full before anything is decided (a failed
call leaves nothing half-decided): the batch evidence of the employers, and, when the types need them, the
self-employment records and the loans of the year."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from subsidy.decisions.calculator import NEEDS_EMPLOYER_EVIDENCE
from subsidy.evidence.client import PlacementClient
from subsidy.evidence.schemas import EmployerFacts, LoanFacts, SelfEmploymentFacts

Progress = Callable[[int, int | None], Awaitable[None]]
"""Called after each page of employers: (employers fetched so far, total when known)."""


@dataclass
class YearFacts:
    year: int
    definition: str | None = None
    definition_version: str | None = None
    registry_facts_as_of: datetime | None = None
    employers: list[EmployerFacts] = field(default_factory=list)
    self_employments: list[SelfEmploymentFacts] = field(default_factory=list)
    loans: list[LoanFacts] = field(default_factory=list)


async def gather(
    client: PlacementClient,
    *,
    year: int,
    types: Iterable[str],
    employer_ids: list[uuid.UUID] | None,
    progress: Progress | None = None,
) -> YearFacts:
    wanted = set(types)
    facts = YearFacts(year=year)
    if wanted & NEEDS_EMPLOYER_EVIDENCE:
        total: int | None = len(set(employer_ids)) if employer_ids else None
        async for page in client.evidence_pages(year, employer_ids):
            facts.definition = page.definition
            facts.definition_version = page.definition_version
            facts.registry_facts_as_of = page.registry_facts_as_of
            if total is None and page.total_employers is not None:
                total = page.total_employers
            facts.employers += page.items
            if progress is not None:
                await progress(len(facts.employers), total)
    if "self_employment" in wanted:
        facts.self_employments = await client.self_employments()
    if "loan_interest" in wanted:
        facts.loans = await client.loans(year)
    return facts
