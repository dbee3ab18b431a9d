"""Decisions: reading them (with the visibility of subsidy.decisions.policy), and writing a year's outcomes as new
decision versions where, and only where, the evidence differs from the current version."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.imports import audit_each
from shared.pagination import PageParams
from shared.query import or_raise
from shared.reads import fields_of, read_of
from subsidy.audit.models import audit
from subsidy.decisions import policy
from subsidy.decisions.calculator import COUNTED_KEY, Outcome
from subsidy.decisions.exceptions import DecisionNotFound
from subsidy.decisions.models import SubsidyDecision
from subsidy.decisions.repository import CurrentDecision, DecisionFilter, DecisionRepository
from subsidy.decisions.schemas import DecisionRead, DecisionSummary
from subsidy.events import DECISION_MADE, decision_event, outbox_rows
from subsidy.money import ZERO
from subsidy.policies.models import SubsidyPolicy
from subsidy.policies.repository import PolicyRepository
from subsidy.types import SUBSIDY_TYPES

RESOURCE = "subsidy_decision"


def summary(decision: SubsidyDecision) -> DecisionSummary:
    return read_of(DecisionSummary, decision, subsidy_type_label_zh=SUBSIDY_TYPES[decision.subsidy_type].label_zh)


def to_read(decision: SubsidyDecision) -> DecisionRead:
    return DecisionRead(
        **summary(decision).model_dump(), evidence=decision.evidence, evidence_hash=decision.evidence_hash
    )


async def get_decision(session: AsyncSession, *, principal: Principal, decision_id: uuid.UUID) -> DecisionRead:
    seen = policy.require_read(principal)
    decision = or_raise(
        await DecisionRepository(session).get(decision_id, seen), DecisionNotFound, "No such subsidy decision."
    )
    return to_read(decision)


async def visible_decision(
    session: AsyncSession, principal: Principal, decision_id: uuid.UUID, *, for_update: bool = False
) -> SubsidyDecision:
    """The decision if the caller may see it (for applications); 404 otherwise."""
    seen = policy.require_read(principal)
    return or_raise(
        await DecisionRepository(session).get(decision_id, seen, for_update=for_update),
        DecisionNotFound,
        "No such subsidy decision.",
    )


async def list_decisions(
    session: AsyncSession, *, principal: Principal, filters: DecisionFilter, params: PageParams
) -> tuple[list[DecisionSummary], str | None]:
    seen = policy.require_read(principal)
    rows, cursor = await DecisionRepository(session).page(filters, params, seen)
    return [summary(d) for d in rows], cursor


async def versions(session: AsyncSession, *, principal: Principal, decision_id: uuid.UUID) -> list[DecisionSummary]:
    seen = policy.require_read(principal)
    repo = DecisionRepository(session)
    decision = or_raise(await repo.get(decision_id, seen), DecisionNotFound, "No such subsidy decision.")
    return [summary(d) for d in await repo.versions(decision)]


# --- writing a year's outcomes ----------------------------------------------------------------------------------


@dataclass
class TypeTally:
    evaluated: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    not_decided: int = 0
    amount_written: Decimal = ZERO

    def as_json(self) -> dict[str, Any]:
        return {
            **fields_of(self, "evaluated", "new", "changed", "unchanged", "not_decided"),
            "amount_written": f"{self.amount_written:.2f}",
        }


@dataclass
class Written:
    by_type: dict[str, TypeTally] = field(default_factory=dict)
    decision_ids: list[uuid.UUID] = field(default_factory=list)

    def tally(self, subsidy_type: str) -> TypeTally:
        return self.by_type.setdefault(subsidy_type, TypeTally())

    @property
    def written(self) -> int:
        return len(self.decision_ids)

    @property
    def unchanged(self) -> int:
        return sum(t.unchanged for t in self.by_type.values())

    def as_json(self) -> dict[str, Any]:
        return {code: tally.as_json() for code, tally in self.by_type.items()}


def _vanished(current: CurrentDecision, rule: dict[str, Any]) -> Outcome:
    """The outcome of a beneficiary that had a decision but has no evidence in the year any more."""
    snapshot = {
        "rule": rule,
        "definition": None,
        "source": {"definition_version": None, "registry_facts_as_of": None},
        "eligibility": {"eligible": False, "reasons": ["no_evidence_in_year"]},
        "counted": [],
        "excluded": [],
        "computation": {"method": "none", "amount": "0.00"},
    }
    return Outcome(
        subsidy_type=current.subsidy_type,
        beneficiary_kind=SUBSIDY_TYPES[current.subsidy_type].beneficiary,
        beneficiary_id=current.beneficiary_id,
        jurisdiction_code="",
        eligible=False,
        qualifying_count=0,
        tier=None,
        tier_label_zh=None,
        amount=ZERO,
        snapshot=snapshot,
    )


def difference(
    outcome: Outcome, current: CurrentDecision, previous_counted: list[dict[str, Any]], policy_version: int
) -> dict[str, Any]:
    key = COUNTED_KEY[outcome.subsidy_type]
    before = list(dict.fromkeys(str(line[key]) for line in previous_counted))
    after = list(dict.fromkeys(outcome.counted_keys))
    had, has = set(before), set(after)
    return {
        "from_version": current.version,
        "counted_key": key,
        "added": [k for k in after if k not in had],
        "removed": [k for k in before if k not in has],
        "qualifying_count": {"before": current.qualifying_count, "after": outcome.qualifying_count},
        "tier": {"before": current.tier, "after": outcome.tier},
        "amount": {"before": f"{current.amount:.2f}", "after": f"{outcome.amount:.2f}"},
        "policy_version": {"before": current.policy_version, "after": policy_version},
    }


async def record_outcomes(
    session: AsyncSession,
    *,
    year: int,
    policy_row: SubsidyPolicy,
    outcomes: list[Outcome],
    types: list[str],
    employer_ids: list[uuid.UUID] | None,
    evaluation_id: uuid.UUID,
    principal: Principal,
) -> Written:
    """Write the outcomes of one evaluation in the caller's transaction: a new version where the evidence differs
    from the current decision (or none exists and the beneficiary qualifies), nothing where it is the same; a current
    decision whose beneficiary has no evidence left gets a version of 0.00 (only among the employers evaluated, when
    a list was). Decision events and audit entries go with them."""
    repo = DecisionRepository(session)
    await repo.lock_year(year)
    current = await repo.current(year, types, beneficiary_ids=employer_ids)
    written = Written()
    seen_keys = set()
    pending: list[tuple[Outcome, CurrentDecision | None]] = []
    for outcome in outcomes:
        key = (outcome.beneficiary_id, outcome.subsidy_type)
        seen_keys.add(key)
        tally = written.tally(outcome.subsidy_type)
        tally.evaluated += 1
        existing = current.get(key)
        if existing is None and not outcome.decidable:
            tally.not_decided += 1
        elif existing is not None and existing.evidence_hash == outcome.evidence_hash:
            tally.unchanged += 1
        else:
            pending.append((outcome, existing))
    for key, existing in current.items():
        if key not in seen_keys:
            rule = policy_row.rules.get(existing.subsidy_type) or {"type": existing.subsidy_type}
            vanished = _vanished(existing, rule)
            if vanished.evidence_hash != existing.evidence_hash:
                pending.append((vanished, existing))
    if not pending:
        return written

    previous = await repo.counted_of([e.id for _, e in pending if e is not None])
    jurisdictions = await _jurisdictions_of(
        session, [e.id for o, e in pending if e is not None and not o.jurisdiction_code]
    )
    now = datetime.now(UTC)
    rows, retire, events, audits = [], [], [], []
    for outcome, existing in pending:
        decision_id = uuid.uuid4()
        tally = written.tally(outcome.subsidy_type)
        if existing is None:
            tally.new += 1
        else:
            tally.changed += 1
            retire.append(existing.id)
        tally.amount_written += outcome.amount
        jurisdiction = outcome.jurisdiction_code or jurisdictions.get(existing.id if existing else None, "")
        diff = (
            difference(outcome, existing, previous.get(existing.id, []), policy_row.version)
            if existing is not None
            else None
        )
        row = {
            "id": decision_id,
            "year": year,
            **fields_of(outcome, "subsidy_type", "beneficiary_kind", "beneficiary_id"),
            "jurisdiction_code": jurisdiction,
            "version": existing.version + 1 if existing else 1,
            "is_current": True,
            "policy_id": policy_row.id,
            "policy_version": policy_row.version,
            **fields_of(outcome, "qualifying_count", "tier", "tier_label_zh", "amount"),
            "evidence": outcome.snapshot,
            "evidence_hash": outcome.evidence_hash,
            "difference": diff,
            "evaluation_id": evaluation_id,
            "decided_by": principal.subject,
            "decided_at": now,
        }
        rows.append(row)
        events.append(decision_event(row))
        audits.append(
            (
                decision_id,
                {
                    "amount": (diff["amount"]["before"] if diff else None, f"{outcome.amount:.2f}"),
                    "version": (existing.version if existing else None, row["version"]),
                },
            )
        )
        written.decision_ids.append(decision_id)
    await repo.retire(retire)
    await repo.insert_many(rows)
    await repo.refresh_totals(year, types)
    await outbox_rows(session, DECISION_MADE, "subsidy_decision", events)
    await PolicyRepository(session).mark_used(policy_row.id, now)
    await audit_each(
        audit, session, principal=principal, operation="subsidy_decision.create", resource_type=RESOURCE, entries=audits
    )
    return written


async def _jurisdictions_of(session: AsyncSession, decision_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not decision_ids:
        return {}
    rows = await DecisionRepository(session).by_ids(decision_ids)
    return {d.id: d.jurisdiction_code for d in rows}
