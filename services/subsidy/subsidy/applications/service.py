"""Applications: applying for a decision, and each step through review, approval and payment by the declared table
(subsidy.applications.workflow), with separation of duties, the budget held under its row lock, and the database
refusing a second approval or payment for the same beneficiary, type and year.

A step locks the application's row first, so two steps on one application happen one after the other: the second
sees the first's result and is refused (409) unless it is a retry with the same Idempotency-Key, which gets the
first answer back. An approval then locks the budget row of its year and type, so approvals of one budget happen
one at a time and never commit more than it holds (its CHECK is the last word)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.concurrency import require_version
from shared.db import refused_as
from shared.errors import FieldError
from shared.idempotency import Created
from shared.pagination import PageParams
from shared.query import or_raise
from shared.reads import fields_of, read_of
from subsidy.access import Visibility, caller_kind
from subsidy.applications import policy
from subsidy.applications.exceptions import (
    AlreadyApplied,
    AlreadyPaid,
    ApplicationNotFound,
    BudgetExceeded,
    DecisionNotCurrent,
    InvalidStep,
    NoBudget,
    NothingToApplyFor,
    NotYourStep,
    SeparationOfDuties,
    StepNotAllowed,
)
from subsidy.applications.models import SubsidyApplication, SubsidyApplicationStep, SubsidyPayment
from subsidy.applications.repository import (
    COMMITTED_INDEX,
    OPEN_INDEX,
    PAYMENT_INDEXES,
    ApplicationFilter,
    ApplicationRepository,
)
from subsidy.applications.schemas import (
    ApplicationCreate,
    ApplicationRead,
    ApplicationSummary,
    PaymentRead,
    StepCreate,
    StepRead,
)
from subsidy.applications.workflow import (
    ACTION_LABELS_ZH,
    STATUS_LABELS_ZH,
    TAKEN_BY,
    TRANSITIONS,
    Step,
    allowed_actions,
)
from subsidy.budgets.repository import COMMITTED_CHECK, BudgetRepository
from subsidy.decisions import service as decisions
from subsidy.events import PAYMENT_RECORDED, outbox
from subsidy.idempotency import store as idempotency
from subsidy.types import SUBSIDY_TYPES

CREATE_OPERATION = "POST /api/v1/subsidy-applications"
SUBMIT_LABEL_ZH = "提交申请"
DUTY_LABELS = {
    "applicant": "the applicant",
    "township_review": "the township reviewer",
    "nco_review": "the NCO reviewer",
    "finance_approval": "the finance approver",
    "payment": "the one who recorded the payment",
}


async def to_read(session: AsyncSession, application: SubsidyApplication) -> ApplicationRead:
    repo = ApplicationRepository(session)
    steps = await repo.steps(application.id)
    payment = await repo.payment(application.id)
    return read_of(
        ApplicationRead,
        application,
        decision_is_current=await repo.decision_is_current(application.decision_id),
        subsidy_type_label_zh=SUBSIDY_TYPES[application.subsidy_type].label_zh,
        status_label_zh=STATUS_LABELS_ZH[application.status],
        allowed_actions=allowed_actions(application.status),
        steps=[read_of(StepRead, s, action_label_zh=ACTION_LABELS_ZH.get(s.action, SUBMIT_LABEL_ZH)) for s in steps],
        payment=read_of(PaymentRead, payment) if payment else None,
    )


def summary(application: SubsidyApplication) -> ApplicationSummary:
    return read_of(ApplicationSummary, application, status_label_zh=STATUS_LABELS_ZH[application.status])


def _step_row(application: SubsidyApplication, principal: Principal, **fields) -> SubsidyApplicationStep:
    return SubsidyApplicationStep(
        application_id=application.id,
        actor_subject=principal.subject,
        actor_kind=principal.kind,
        actor_name=principal.name[:255],
        actor_department=principal.department,
        actor_jurisdiction=principal.jurisdiction,
        **fields,
    )


def _event_data(application: SubsidyApplication, *, action: str, before: str | None, seq: int) -> dict:
    return {
        "application_id": application.id,
        **fields_of(
            application,
            "decision_id",
            "decision_version",
            "year",
            "subsidy_type",
            "beneficiary_kind",
            "beneficiary_id",
            "jurisdiction_code",
        ),
        "amount": f"{application.amount:.2f}",
        "action": action,
        "status_before": before,
        "status": application.status,
        "step_seq": seq,
        "application_version": application.row_version,
    }


async def get_application(session: AsyncSession, *, principal: Principal, application_id: uuid.UUID) -> ApplicationRead:
    seen = policy.require_read(principal)
    application = or_raise(
        await ApplicationRepository(session).get(application_id, seen),
        ApplicationNotFound,
        "No such subsidy application.",
    )
    return await to_read(session, application)


async def list_applications(
    session: AsyncSession, *, principal: Principal, filters: ApplicationFilter, params: PageParams
) -> tuple[list[ApplicationSummary], str | None]:
    seen = policy.require_read(principal)
    rows, cursor = await ApplicationRepository(session).page(filters, params, seen)
    return [summary(a) for a in rows], cursor


async def apply(
    session: AsyncSession, *, principal: Principal, data: ApplicationCreate, idempotency_key: str | None
) -> Created[ApplicationRead]:
    seen = policy.require_apply(principal)

    async def write() -> ApplicationRead:
        decision = await decisions.visible_decision(session, principal, data.decision_id, for_update=True)
        if seen.employer_id is not None and decision.beneficiary_kind != "employer":
            raise ApplicationNotFound("No such subsidy decision.")
        if not decision.is_current:
            raise DecisionNotCurrent(
                f"Version {decision.version} of this decision has been superseded; apply for the current version."
            )
        if SUBSIDY_TYPES[decision.subsidy_type].pays_money and decision.amount <= 0:
            raise NothingToApplyFor("This decision grants 0.00; there is nothing to apply for.")
        if decision.subsidy_type == "tax_reduction" and decision.qualifying_count == 0:
            raise NothingToApplyFor("This decision found no qualifying contract; there is nothing to apply for.")
        repo = ApplicationRepository(session)
        if await repo.committed_exists(decision.beneficiary_id, decision.subsidy_type, decision.year):
            raise AlreadyApplied(
                f"{decision.subsidy_type} of {decision.year} for this beneficiary is already approved or paid."
            )
        application = SubsidyApplication(
            decision_id=decision.id,
            decision_version=decision.version,
            year=decision.year,
            subsidy_type=decision.subsidy_type,
            beneficiary_kind=decision.beneficiary_kind,
            beneficiary_id=decision.beneficiary_id,
            jurisdiction_code=decision.jurisdiction_code,
            amount=decision.amount,
            status="submitted",
            notes=data.notes,
            submitted_by=principal.subject,
        )
        applied = AlreadyApplied(
            f"{decision.subsidy_type} of {decision.year} for this beneficiary is already applied for (in "
            "progress, approved or paid); follow that application."
        )
        async with refused_as(session, applied, OPEN_INDEX, COMMITTED_INDEX):
            await repo.add(application)
        await repo.add_step(
            _step_row(application, principal, action="submit", status_after="submitted", duty="applicant")
        )
        await outbox.emit(
            session,
            kind="subsidy_application.submitted",
            aggregate_type="subsidy_application",
            aggregate_id=application.id,
            data=_event_data(application, action="submit", before=None, seq=1),
        )
        return await to_read(session, application)

    return await idempotency.create(
        session, principal.subject, idempotency_key, CREATE_OPERATION, data, ApplicationRead, write
    )


def _check_step(application: SubsidyApplication, step_in: StepCreate, principal: Principal) -> Step:
    if caller_kind(principal) not in TAKEN_BY[step_in.action]:
        raise NotYourStep(f"{step_in.action} is for {' or '.join(sorted(TAKEN_BY[step_in.action]))}, not for you.")
    step = TRANSITIONS.get((application.status, step_in.action))
    if step is None:
        allowed = allowed_actions(application.status)
        raise StepNotAllowed(
            f"The application is {application.status}: {step_in.action} may not follow. Allowed next steps: "
            f"{', '.join(allowed) if allowed else 'none (it is final)'}."
        )
    if caller_kind(principal) not in step.by:
        raise NotYourStep(f"{step_in.action} is for {' or '.join(step.by)}, not for you.")
    errors = []
    if step.needs_reason and not step_in.reason:
        errors.append(FieldError(field="body.reason", message=f"required to {step_in.action}"))
    if step.needs_payment and step_in.payment is None:
        errors.append(FieldError(field="body.payment", message="required to record a payment"))
    if not step.needs_payment and step_in.payment is not None:
        errors.append(FieldError(field="body.payment", message="only with record_payment"))
    if step_in.payment is not None and step.needs_payment and step_in.payment.amount != application.amount:
        errors.append(
            FieldError(
                field="body.payment.amount", message=f"must be the application's amount, {application.amount:.2f}"
            )
        )
    if errors:
        raise InvalidStep("This step needs other input.", errors=errors)
    return step


def _check_duties(steps: list[SubsidyApplicationStep], step: Step, principal: Principal) -> None:
    held = {s.duty for s in steps if s.actor_subject == principal.subject}
    other = sorted(held - {step.duty})
    if other:
        raise SeparationOfDuties(
            f"You acted on this application as {DUTY_LABELS[other[0]]}; {DUTY_LABELS[step.duty]} must be someone "
            "else (separation of duties)."
        )


async def _commit_budget(session: AsyncSession, application: SubsidyApplication) -> None:
    if not SUBSIDY_TYPES[application.subsidy_type].pays_money or application.amount == 0:
        return
    budgets = BudgetRepository(session)
    budget = or_raise(
        await budgets.get(application.year, application.subsidy_type, for_update=True),
        NoBudget,
        f"Finance has set no budget for {application.subsidy_type} in {application.year}.",
    )
    left = budget.amount - budget.committed
    if application.amount > left:
        raise BudgetExceeded(
            f"Approving {application.amount:.2f} would exceed the budget of {application.year}'s "
            f"{application.subsidy_type}: {budget.amount:.2f}, of which {budget.committed:.2f} is committed and "
            f"{left:.2f} left."
        )
    async with refused_as(session, BudgetExceeded("Approving this would exceed the budget."), COMMITTED_CHECK):
        await budgets.commit_amount(application.year, application.subsidy_type, application.amount)


async def _record_payment(
    session: AsyncSession, application: SubsidyApplication, step_in: StepCreate, principal: Principal
) -> SubsidyPayment:
    payment_in = step_in.payment
    assert payment_in is not None
    repo = ApplicationRepository(session)
    paid = AlreadyPaid(f"{application.subsidy_type} of {application.year} for this beneficiary has been paid already.")
    async with refused_as(session, paid, *PAYMENT_INDEXES):
        payment = await repo.add_payment(
            SubsidyPayment(
                application_id=application.id,
                year=application.year,
                subsidy_type=application.subsidy_type,
                beneficiary_id=application.beneficiary_id,
                amount=payment_in.amount,
                paid_on=payment_in.paid_on,
                voucher_number=payment_in.voucher_number,
                recorded_by=principal.subject,
            )
        )
    if SUBSIDY_TYPES[application.subsidy_type].pays_money and payment.amount > 0:
        await BudgetRepository(session).add_paid(application.year, application.subsidy_type, payment.amount)
    return payment


async def take_step(
    session: AsyncSession,
    *,
    principal: Principal,
    application_id: uuid.UUID,
    data: StepCreate,
    idempotency_key: str | None,
    if_match: str | None,
) -> Created[ApplicationRead]:
    seen = policy.require_act(principal)

    async def write() -> ApplicationRead:
        repo = ApplicationRepository(session)
        application = await _application_to_step(repo, application_id, seen, if_match)
        step = _check_step(application, data, principal)
        steps = await repo.steps(application.id)
        _check_duties(steps, step, principal)
        if step.action == "finance_approve":
            await _approve(session, repo, application)
        payment = None
        if step.action == "record_payment":
            payment = await _record_payment(session, application, data, principal)
        before = application.status
        await _move_to(session, repo, application, step.after)
        await repo.add_step(
            _step_row(
                application,
                principal,
                action=step.action,
                status_before=before,
                status_after=step.after,
                duty=step.duty,
                reason=data.reason,
            )
        )
        await _emit_step(session, application, step, before=before, seq=len(steps) + 1, payment=payment)
        return await to_read(session, application)

    return await idempotency.create(
        session,
        principal.subject,
        idempotency_key,
        f"POST /api/v1/subsidy-applications/{application_id}/steps",
        data,
        ApplicationRead,
        write,
        status=200,
    )


async def _application_to_step(
    repo: ApplicationRepository, application_id: uuid.UUID, seen: Visibility, if_match: str | None
) -> SubsidyApplication:
    """The application, locked (steps on one application happen one at a time), at the version the caller saw."""
    application = or_raise(
        await repo.get(application_id, seen, for_update=True), ApplicationNotFound, "No such subsidy application."
    )
    if if_match is not None:
        require_version(if_match, application.row_version)
    return application


async def _approve(session: AsyncSession, repo: ApplicationRepository, application: SubsidyApplication) -> None:
    """Finance approves only an application for the decision's current version, within the budget."""
    if not await repo.decision_is_current(application.decision_id):
        raise DecisionNotCurrent(
            "A re-evaluation has written a newer version of this decision; this application cannot be "
            "approved. Withdraw it and apply for the current version."
        )
    await _commit_budget(session, application)


async def _move_to(
    session: AsyncSession, repo: ApplicationRepository, application: SubsidyApplication, status: str
) -> None:
    """The application's new status; the database refuses a second open or committed application for the same
    beneficiary, type and year."""
    application.status = status
    applied = AlreadyApplied(
        "Another application for this beneficiary, type and year is approved, paid or in progress."
    )
    async with refused_as(session, applied, COMMITTED_INDEX, OPEN_INDEX):
        await repo.flush()


async def _emit_step(
    session: AsyncSession,
    application: SubsidyApplication,
    step: Step,
    *,
    before: str,
    seq: int,
    payment: SubsidyPayment | None,
) -> None:
    """The step's event: a payment's own (with what was paid) or the application's new status."""
    data = _event_data(application, action=step.action, before=before, seq=seq)
    if payment is not None:
        await outbox.emit(
            session,
            kind=PAYMENT_RECORDED,
            aggregate_type="subsidy_payment",
            aggregate_id=payment.id,
            data=data | {"payment_id": payment.id, "paid_amount": f"{payment.amount:.2f}", "paid_on": payment.paid_on},
        )
    else:
        await outbox.emit(
            session,
            kind=f"subsidy_application.{step.after}",
            aggregate_type="subsidy_application",
            aggregate_id=application.id,
            data=data,
        )
