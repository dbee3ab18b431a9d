"""Rules for Qihang designations: county departments decide, steps follow the allowed transitions in date order,
history is only added to, and every step is an event in the same transaction."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession

from placement.employers.designations.rules import ACTION_LABELS_ZH, EVENT_KINDS, TRANSITIONS, allowed_actions
from placement.employers.designations.schemas import DesignationCreate, DesignationRead, DesignationStatusRead
from placement.employers.exceptions import DesignationConflict, DesignationNotAllowed
from placement.employers.models import Employer, EmployerDesignation
from placement.employers.repository import DesignationRepository
from placement.employers.schemas import DESIGNATION_STATUS_LABELS_ZH
from placement.employers.service import designation_state, visible_employer
from placement.events import outbox
from placement.idempotency import store as idempotency
from shared.auth import Principal
from shared.db import refused_as
from shared.errors import FieldError, InvalidInput
from shared.idempotency import Created
from shared.pagination import PageParams
from shared.reads import read_of

SEQ_CONSTRAINT = "uq_employer_designation_employer_id"


def to_read(step: EmployerDesignation) -> DesignationRead:
    return read_of(
        DesignationRead,
        step,
        action_label_zh=ACTION_LABELS_ZH[step.action],
        status_label_zh=DESIGNATION_STATUS_LABELS_ZH[step.status_after],
    )


def _check_fields(data: DesignationCreate) -> None:
    errors = []
    if data.action == "designate" and data.document_number is None:
        errors.append(FieldError(field="body.document_number", message="required to designate"))
    if data.action in ("suspend", "revoke") and data.reason is None:
        errors.append(FieldError(field="body.reason", message=f"required to {data.action}"))
    if errors:
        raise InvalidInput("Some input this step needs is missing.", errors=errors)


async def list_designations(
    session: AsyncSession, *, principal: Principal, employer_id: uuid.UUID, params: PageParams
) -> tuple[list[DesignationRead], str | None]:
    await visible_employer(session, principal, employer_id, resource="designations")
    rows, cursor = await DesignationRepository(session).history(employer_id, params)
    return [to_read(r) for r in rows], cursor


async def status_on(
    session: AsyncSession, *, principal: Principal, employer_id: uuid.UUID, on: date
) -> DesignationStatusRead:
    await visible_employer(session, principal, employer_id, resource="designations")
    repo = DesignationRepository(session)
    step = (await repo.latest_on([employer_id], on)).get(employer_id)
    last = await repo.last(employer_id)
    state = designation_state(step)
    return DesignationStatusRead(
        **state.model_dump(),
        employer_id=employer_id,
        on=on,
        is_qihang_enterprise=state.status == "active",
        allowed_actions=allowed_actions(last.status_after if last else "not_designated"),
    )


async def record_step(
    session: AsyncSession,
    *,
    principal: Principal,
    employer_id: uuid.UUID,
    data: DesignationCreate,
    idempotency_key: str | None,
) -> Created[DesignationRead]:
    # The employer row's lock makes an employer's steps one at a time: each sees the one before it.
    employer = await visible_employer(
        session, principal, employer_id, resource="designations", write=True, for_update=True
    )
    _check_fields(data)

    async def write() -> DesignationRead:
        repo = DesignationRepository(session)
        last = await repo.last(employer_id)
        before = last.status_after if last is not None else "not_designated"
        after = _status_after(before, data.action)
        _check_date_order(last, data.effective_on)
        step = EmployerDesignation(
            employer_id=employer_id,
            seq=(last.seq if last is not None else 0) + 1,
            action=data.action,
            status_after=after,
            effective_on=data.effective_on,
            document_number=data.document_number,
            reason=data.reason,
            recorded_by=principal.subject,
        )
        await _add_step(session, repo, step)
        # The employer's representation (is_qihang_enterprise, qihang_designation) changed: so does its version/ETag.
        employer.updated_at = func.now()
        await session.flush()
        await session.refresh(employer)
        await _emit_step(session, employer, step, before)
        return to_read(step)

    return await idempotency.create(
        session,
        principal.subject,
        idempotency_key,
        f"POST /api/v1/employers/{employer_id}/designations",
        data,
        DesignationRead,
        write,
    )


def _status_after(before: str, action: str) -> str:
    """The designation's status after `action`, which must be a step allowed to follow `before` (409 otherwise)."""
    after = TRANSITIONS.get((before, action))
    if after is None:
        allowed = ", ".join(allowed_actions(before))
        raise DesignationNotAllowed(
            f"The designation is {before}: {action} is not a step that may follow (allowed: {allowed})."
        )
    return after


def _check_date_order(last: EmployerDesignation | None, effective_on: date) -> None:
    """A step may not take effect before the previous one: the history is kept in date order."""
    if last is not None and effective_on < last.effective_on:
        raise InvalidInput(
            "A step cannot take effect before the previous one: the history is kept in date order.",
            errors=[
                FieldError(field="body.effective_on", message=f"must be on or after {last.effective_on.isoformat()}")
            ],
        )


async def _add_step(session: AsyncSession, repo: DesignationRepository, step: EmployerDesignation) -> None:
    """The step added as the next in the employer's history; a step numbered the same meanwhile is a conflict."""
    meanwhile = DesignationConflict("Another change to this designation was recorded meanwhile; retry.")
    async with refused_as(session, meanwhile, SEQ_CONSTRAINT):
        await repo.add(step)


async def _emit_step(session: AsyncSession, employer: Employer, step: EmployerDesignation, before: str) -> None:
    """The step's event, in the same transaction, with the employer's new version."""
    await outbox.emit(
        session,
        kind=EVENT_KINDS[step.action],
        aggregate_type="employer",
        aggregate_id=employer.id,
        data={
            "employer_id": employer.id,
            "designation_id": step.id,
            "seq": step.seq,
            "action": step.action,
            "status_before": before,
            "status": step.status_after,
            "effective_on": step.effective_on,
            "document_number": step.document_number,
            "jurisdiction_code": employer.jurisdiction_code,
            "employer_version": employer.version,
        },
    )
