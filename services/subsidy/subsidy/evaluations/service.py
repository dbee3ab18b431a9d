"""Evaluating a year as a background job (like an import: shared.imports' pattern of queued -> running -> ended,
progress, a heartbeat and stale-job detection), and the what-if of a draft policy, which stores nothing.

An evaluation first gathers ALL of the year's evidence from placement (its progress: employers fetched of the
total), then computes every outcome, then writes every new decision version in ONE transaction that also ends the
job. So placement down or slow midway, a newer policy published meanwhile, or a crash, all leave no decision of the
evaluation written: the job ends failed (or interrupted) with the reason, and can simply be started again."""

from __future__ import annotations

import asyncio
import gc
import logging
import uuid
from datetime import timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.db import refused_as
from shared.errors import AppError, FieldError
from shared.imports import owner_principal, owner_values
from shared.logging import request_id_var
from shared.pagination import PageParams
from shared.query import or_raise
from shared.reads import read_of
from shared.tasks import JobTasks, SessionFactory
from subsidy.budgets.repository import BudgetRepository
from subsidy.decisions import service as decisions
from subsidy.decisions.calculator import EMPLOYER_TYPES, Outcome, Source, evaluate
from subsidy.evaluations import policy
from subsidy.evaluations.exceptions import (
    EvaluationNotFound,
    EvaluationRunning,
    InvalidEvaluation,
    NoPublishedPolicy,
)
from subsidy.evaluations.models import SubsidyEvaluation
from subsidy.evaluations.repository import UNFINISHED_INDEX, EvaluationRepository
from subsidy.evaluations.schemas import (
    STATUS_LABELS_ZH,
    EvaluationCreate,
    EvaluationRead,
    WhatIfCreate,
    WhatIfLine,
    WhatIfRead,
    WhatIfSide,
    WhatIfTotal,
)
from subsidy.evidence.client import PlacementClient
from subsidy.evidence.facts import YearFacts, gather
from subsidy.money import ZERO
from subsidy.policies import service as policies
from subsidy.policies.models import SubsidyPolicy
from subsidy.policies.rules import parse_rules
from subsidy.types import TYPE_CODES

logger = logging.getLogger("qihang.subsidy.evaluations")


def to_read(job: SubsidyEvaluation) -> EvaluationRead:
    return read_of(EvaluationRead, job, status_label_zh=STATUS_LABELS_ZH[job.status], created_by=job.owner_name)


def chosen_types(
    rules: dict, asked: list[str] | None, employer_ids: list[uuid.UUID] | None, *, field: str = "body.subsidy_types"
) -> list[str]:
    """The types to evaluate: those asked for (each with a rule) or every type the rules have; with a list of
    employers, employer types only (a person's subsidy needs all of their evidence, not one employer's)."""
    if asked:
        missing = [t for t in asked if t not in rules]
        if missing:
            raise InvalidEvaluation(
                "The policy has no rule for some of these types.",
                errors=[FieldError(field=field, message=f"no rule for {', '.join(missing)}")],
            )
        types = [t for t in TYPE_CODES if t in set(asked)]
    else:
        types = [t for t in TYPE_CODES if t in rules]
    if employer_ids:
        person_types = [t for t in types if t not in EMPLOYER_TYPES]
        if asked and person_types:
            raise InvalidEvaluation(
                "With employer_ids only employer types can be evaluated.",
                errors=[FieldError(field=field, message=f"not with employer_ids: {', '.join(person_types)}")],
            )
        types = [t for t in types if t in EMPLOYER_TYPES]
        if not types:
            raise InvalidEvaluation(
                "The policy has no employer type to evaluate for these employers.",
                errors=[FieldError(field="body.employer_ids", message="the policy has no employer type")],
            )
    return types


class Evaluator(JobTasks):
    """This process's evaluations: the placement client, the sessions jobs run in, and the running tasks."""

    logger = logger
    interrupted_message = "evaluations interrupted by a restart"
    end_not_recorded_message = "could not record the end of an evaluation"

    def __init__(self, *, sessions: SessionFactory, client: PlacementClient, stale_after: timedelta) -> None:
        super().__init__("evaluation", sessions)
        self.client = client
        self.stale_after = stale_after

    def repo(self, session: AsyncSession) -> EvaluationRepository:
        return EvaluationRepository(session, stale_after=self.stale_after)

    async def interrupt_stale(self, session: AsyncSession) -> int:
        return await self.repo(session).interrupt_stale()

    # --- requests ---

    async def create(self, session: AsyncSession, *, principal: Principal, data: EvaluationCreate) -> EvaluationRead:
        policy.require_evaluate(principal)
        published = or_raise(
            await policies.published(session, data.year),
            NoPublishedPolicy,
            f"{data.year} has no published policy to decide under; publish one first.",
        )
        employer_ids = sorted(set(data.employer_ids)) if data.employer_ids else None
        types = chosen_types(published.rules, data.subsidy_types, employer_ids)
        repo = self.repo(session)
        await repo.interrupt_stale(year=data.year)
        job = SubsidyEvaluation(
            id=uuid.uuid4(),
            year=data.year,
            policy_id=published.id,
            policy_version=published.version,
            subsidy_types=types,
            employer_ids=employer_ids,
            status="queued",
            phase="queued",
            fetched_employers=0,
            beneficiaries=0,
            decisions_written=0,
            unchanged=0,
            **owner_values(principal),
        )
        running = EvaluationRunning(
            f"An evaluation of {data.year} is already running; follow it, or start again once it ended."
        )
        async with refused_as(session, running, UNFINISHED_INDEX):
            await repo.add(job)
        return to_read(job)

    async def get(self, session: AsyncSession, *, principal: Principal, job_id: uuid.UUID) -> EvaluationRead:
        policy.require_read(principal)
        job = or_raise(await self.repo(session).get(job_id), EvaluationNotFound, "No such evaluation.")
        return to_read(job)

    async def page(
        self, session: AsyncSession, *, principal: Principal, params: PageParams, year: int | None
    ) -> tuple[list[EvaluationRead], str | None]:
        policy.require_read(principal)
        rows, cursor = await self.repo(session).page(params, year=year)
        return [to_read(r) for r in rows], cursor

    # --- the job ---

    async def launch(self, job_id: uuid.UUID) -> None:
        """Start a committed, queued evaluation as a task of this process. A coroutine, so that a response's
        background task runs it on the event loop, not in a worker thread."""
        self.tasks.start(job_id, self._run(job_id))

    async def _run(self, job_id: uuid.UUID) -> None:
        async with self.sessions() as session:
            job = await self.repo(session).start(job_id)
            await session.commit()
        if job is None:
            return
        request_id_var.set(job.request_id)
        try:
            await self._work(job)
        except asyncio.CancelledError:
            await self._end(
                job_id,
                "interrupted",
                "interrupted",
                "The service shut down while this evaluation ran; "
                "no decision of it was written. Start the evaluation again.",
            )
            raise
        except AppError as exc:
            logger.warning("evaluation failed", extra={"job_id": str(job_id), "code": exc.code})
            await self._end(
                job_id, "failed", exc.code, f"{exc.detail or exc.title} No decision of this evaluation was written."
            )
        except Exception:
            logger.exception("evaluation failed unexpectedly", extra={"job_id": str(job_id)})
            await self._end(
                job_id,
                "failed",
                "internal_error",
                "An unexpected error stopped the evaluation; no decision of it "
                "was written. Start it again, and report it if it happens again.",
            )

    async def _progress(self, job_id: uuid.UUID, **values) -> None:
        async with self.sessions() as session:
            await self.repo(session).progress(job_id, **values)
            await session.commit()

    async def _work(self, job: SubsidyEvaluation) -> None:
        async def on_page(fetched: int, total: int | None) -> None:
            await self._progress(job.id, fetched_employers=fetched, total_employers=total)

        facts = await gather(
            self.client, year=job.year, types=job.subsidy_types, employer_ids=job.employer_ids, progress=on_page
        )
        async with self.sessions() as session:
            policy_row = await policies.load(session, job.policy_id)
        outcomes = await asyncio.to_thread(_outcomes, policy_row, job.subsidy_types, facts)
        await self._progress(
            job.id,
            phase="deciding",
            beneficiaries=len(outcomes),
            total_employers=job.total_employers or len(facts.employers),
        )
        async with self.sessions() as session:
            try:
                await self._write(session, job, policy_row, outcomes)
            except BaseException:
                # Nothing of the evaluation stays: its decisions, their events and audit entries go together.
                await session.rollback()
                raise

    async def _write(
        self, session: AsyncSession, job: SubsidyEvaluation, policy_row: SubsidyPolicy, outcomes: list[Outcome]
    ) -> None:
        """Every decision of the evaluation and the job's end, in the session's one transaction, committed."""
        current = await policies.published(session, job.year)
        if current is None or current.id != job.policy_id:
            raise PolicyChanged(f"Another version of {job.year}'s policy was published while this evaluation ran.")
        written = await decisions.record_outcomes(
            session,
            year=job.year,
            policy_row=policy_row,
            outcomes=outcomes,
            types=job.subsidy_types,
            employer_ids=job.employer_ids,
            evaluation_id=job.id,
            principal=owner_principal(job),
        )
        await self.repo(session).finish(
            job.id,
            "succeeded",
            decisions_written=written.written,
            unchanged=written.unchanged,
            summary=written.as_json(),
        )
        await session.commit()

    async def _end(self, job_id: uuid.UUID, status: str, code: str, error: str) -> None:
        await self.record_end(
            job_id, lambda session: self.repo(session).finish(job_id, status, error_code=code, error=error)
        )

    # --- what-if ---

    async def what_if(self, session: AsyncSession, *, principal: Principal, data: WhatIfCreate) -> WhatIfRead:
        policy.require_what_if(principal)
        draft_row: SubsidyPolicy | None = None
        if data.policy_id is not None:
            draft_row = await policies.load(session, data.policy_id)
            draft_rules = parse_rules(draft_row.rules)
        else:
            policies.check_rules(data.rules or [])
            draft_rules = {rule.type: rule for rule in data.rules or []}
        published = await policies.published(session, data.year)
        published_rules = parse_rules(published.rules) if published is not None else {}
        employer_ids = sorted(set(data.employer_ids)) if data.employer_ids else None
        types = chosen_types(draft_rules, data.subsidy_types, employer_ids)
        facts = await gather(self.client, year=data.year, types=types, employer_ids=employer_ids)
        draft = await asyncio.to_thread(_evaluate_rules, draft_rules, types, facts)
        before = await asyncio.to_thread(_evaluate_rules, published_rules, types, facts)
        budgets = await BudgetRepository(session).of_year(data.year)
        return _what_if_answer(data.year, published, draft_row, types, draft, before, published_rules, budgets)


class PolicyChanged(AppError):
    status, code, title = 409, "policy_changed", "The policy changed"


def _evaluate_rules(rules: dict, types: list[str], facts: YearFacts) -> list[Outcome]:
    return evaluate(
        rules,
        year=facts.year,
        types=types,
        employers=facts.employers,
        records=facts.self_employments,
        loans=facts.loans,
        source=Source(
            definition=facts.definition,
            definition_version=facts.definition_version,
            registry_facts_as_of=facts.registry_facts_as_of.isoformat() if facts.registry_facts_as_of else None,
        ),
    )


def _outcomes(policy_row: SubsidyPolicy, types: list[str], facts: YearFacts) -> list[Outcome]:
    """Every outcome of the year, with the cyclic garbage collector paused: a county's facts are hundreds of
    thousands of objects, and its full collections (which walk them all, again and again, while the outcomes are
    built) took more than half of the time (bench/subsidy_volume.py). Nothing built here forms cycles; reference
    counting frees it as usual, and the collector resumes as soon as the outcomes are made."""
    paused = gc.isenabled()
    gc.disable()
    try:
        return _evaluate_rules(parse_rules(policy_row.rules), types, facts)
    finally:
        if paused:
            gc.enable()


def _side(outcome: Outcome | None) -> WhatIfSide | None:
    if outcome is None:
        return None
    return WhatIfSide(
        qualifying_count=outcome.qualifying_count, tier=outcome.tier, amount=outcome.amount, eligible=outcome.eligible
    )


def _what_if_answer(
    year: int,
    published: SubsidyPolicy | None,
    draft_row: SubsidyPolicy | None,
    types: list[str],
    draft: list[Outcome],
    before: list[Outcome],
    published_rules: dict,
    budgets: dict,
) -> WhatIfRead:
    before_of = {(o.beneficiary_id, o.subsidy_type): o for o in before}
    lines: list[WhatIfLine] = []
    totals: dict[str, list[Decimal]] = {t: [ZERO, ZERO, Decimal(0)] for t in types}
    for outcome in draft:
        old = before_of.get((outcome.beneficiary_id, outcome.subsidy_type))
        old_amount = old.amount if old is not None else ZERO
        total = totals[outcome.subsidy_type]
        total[0] += old_amount
        total[1] += outcome.amount
        total[2] += 1 if outcome.amount > 0 else 0
        if outcome.amount == 0 and old_amount == 0:
            continue
        lines.append(
            WhatIfLine(
                subsidy_type=outcome.subsidy_type,
                beneficiary_kind=outcome.beneficiary_kind,
                beneficiary_id=outcome.beneficiary_id,
                jurisdiction_code=outcome.jurisdiction_code,
                published=_side(old) if outcome.subsidy_type in published_rules else None,
                draft=_side(outcome),
                difference=outcome.amount - old_amount,
            )
        )
    answer_totals = []
    for subsidy_type in types:
        published_amount, draft_amount, paid = totals[subsidy_type]
        budget = budgets.get(subsidy_type)
        answer_totals.append(
            WhatIfTotal(
                subsidy_type=subsidy_type,
                beneficiaries=int(paid),
                published_amount=published_amount,
                draft_amount=draft_amount,
                difference=draft_amount - published_amount,
                budget=budget.amount if budget else None,
                budget_committed=budget.committed if budget else None,
                draft_over_budget=draft_amount > budget.amount if budget else None,
                draft_budget_left=budget.amount - draft_amount if budget else None,
            )
        )
    return WhatIfRead(
        year=year,
        published_policy_id=published.id if published else None,
        published_policy_version=published.version if published else None,
        draft_policy_id=draft_row.id if draft_row else None,
        draft_policy_version=draft_row.version if draft_row else None,
        totals=answer_totals,
        draft_total=sum((t.draft_amount for t in answer_totals), ZERO),
        published_total=sum((t.published_amount for t in answer_totals), ZERO),
        lines=sorted(lines, key=lambda line: (line.subsidy_type, str(line.beneficiary_id))),
    )
