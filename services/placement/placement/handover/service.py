"""Hand-over from facilities (无缝对接): people released from compulsory isolation or a rehabilitation facility are put
on a pending-placement list from the registry's feed, and stay there, with their days waiting, until placed
(`close_on_placement`, called by placements) or closed with a coded reason.

What the registry's feed signals (see placement.registry_feed.service):
- a compulsory-isolation (强制隔离戒毒) or facility-rehabilitation (场所康复) episode ending `completed`: released on
  its end date;
- a community-rehabilitation (社区康复) episode starting: by law it follows release from compulsory isolation, so it
  signals a release on its start date even when the isolation itself was never recorded in the registry.
Both usually describe one release (the rehabilitation starts the day the isolation ends), so a signal within
SAME_RELEASE_DAYS of a release already on the list is the same release. Releases older than LOOKBACK_DAYS when the
signal arrives (history typed in later) open nothing: nobody is waiting for placement from them any more.
A new compulsory isolation, facility stay or custody starting after the release closes the entry (`readmitted`),
and archiving the person's record closes it (`record_archived`).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from placement.audit.models import audit
from placement.auditing import audited
from placement.events import outbox
from placement.handover import policy
from placement.handover.exceptions import HandoverAlreadyClosed, HandoverNotFound, InvalidHandoverClose
from placement.handover.models import Handover
from placement.handover.repository import HandoverFilter, HandoverRepository
from placement.handover.schemas import LABELS_ZH, HandoverClose, HandoverRead
from shared.auth import Principal
from shared.concurrency import require_version
from shared.errors import FieldError
from shared.pagination import PageParams
from shared.query import or_raise
from shared.reads import fields_of, read_of
from shared.reference import JURISDICTIONS

SAME_RELEASE_DAYS: Final = 31
LOOKBACK_DAYS: Final = 365
RELEASING_KINDS: Final = {"compulsory_isolation": "isolation_release", "facility_rehabilitation": "facility_release"}
READMITTING_KINDS: Final = frozenset({"compulsory_isolation", "facility_rehabilitation", "custody"})


def to_read(handover: Handover, today: date | None = None) -> HandoverRead:
    today = today or date.today()
    until = handover.closed_on or today
    return read_of(
        HandoverRead,
        handover,
        jurisdiction_name_zh=JURISDICTIONS.get(handover.jurisdiction_code, (handover.jurisdiction_code,))[0],
        source_label_zh=LABELS_ZH["source"][handover.source],
        status_label_zh=LABELS_ZH["status"][handover.status],
        days_waiting=max(0, (until - handover.released_on).days),
        close_reason_label_zh=LABELS_ZH["close_reason"][handover.close_reason] if handover.close_reason else None,
    )


async def _emit(session: AsyncSession, kind: str, handover: Handover, *fields: str) -> None:
    """An event of the entry, in the same transaction: its id, the person and jurisdiction, and its `fields`."""
    data = {"handover_id": handover.id, **fields_of(handover, "person_id", "jurisdiction_code", *fields)}
    await outbox.emit(session, kind=kind, aggregate_type="handover", aggregate_id=handover.id, data=data)


async def _close(
    session: AsyncSession,
    handover: Handover,
    *,
    reason: str,
    closed_on: date,
    closed_by: str,
    placement_id: uuid.UUID | None = None,
    note: str | None = None,
) -> Handover:
    handover.status = "placed" if reason == "placed" else "closed"
    handover.close_reason = reason
    handover.closed_on = max(closed_on, handover.released_on)
    handover.closed_by = closed_by
    handover.placement_id = placement_id
    handover.note = note
    await session.flush()
    await _emit(session, "handover.closed", handover, "status", "close_reason", "closed_on", "placement_id", "version")
    return handover


# --- Driven by the registry's feed (placement.registry_feed), in the feed's transaction ----------------------------


async def on_measure(
    session: AsyncSession,
    *,
    person_id: uuid.UUID,
    jurisdiction_code: str | None,
    measure_id: uuid.UUID,
    kind: str,
    start_on: date,
    actual_end_on: date | None,
    end_reason: str | None,
    today: date,
) -> Handover | None:
    """Apply one measure episode as the feed reports it; the entry opened, if any."""
    if kind in READMITTING_KINDS:
        await _close_on_readmission(session, person_id=person_id, since=start_on, today=today)
    if jurisdiction_code is None:
        return None
    if kind in RELEASING_KINDS and end_reason == "completed" and actual_end_on is not None:
        return await _open(
            session, person_id, jurisdiction_code, actual_end_on, RELEASING_KINDS[kind], measure_id, today
        )
    if kind == "community_rehabilitation":
        return await _open(
            session, person_id, jurisdiction_code, start_on, "community_rehabilitation_start", measure_id, today
        )
    return None


async def _open(
    session: AsyncSession,
    person_id: uuid.UUID,
    jurisdiction_code: str,
    released_on: date,
    source: str,
    measure_id: uuid.UUID,
    today: date,
) -> Handover | None:
    if (today - released_on).days > LOOKBACK_DAYS:
        return None
    repo = HandoverRepository(session)
    if await repo.by_source(measure_id) is not None or await repo.release_near(
        person_id, released_on, SAME_RELEASE_DAYS
    ):
        return None
    handover = await repo.add(
        Handover(
            person_id=person_id,
            jurisdiction_code=jurisdiction_code,
            released_on=released_on,
            source=source,
            source_measure_id=measure_id,
            status="pending",
        )
    )
    await _emit(session, "handover.opened", handover, "released_on", "source")
    await audit.record(
        session, principal=None, operation="handover.open", resource_type="person", resource_ids=[person_id]
    )
    return handover


async def _close_on_readmission(session: AsyncSession, *, person_id: uuid.UUID, since: date, today: date) -> None:
    for handover in await HandoverRepository(session).pending_of(person_id):
        if since >= handover.released_on:
            await _close(session, handover, reason="readmitted", closed_on=min(since, today), closed_by="registry")


async def close_on_archive(session: AsyncSession, *, person_id: uuid.UUID, today: date) -> None:
    """The person's registry record was archived: nobody waits for placement under it any more."""
    for handover in await HandoverRepository(session).pending_of(person_id):
        await _close(session, handover, reason="record_archived", closed_on=today, closed_by="registry")


async def close_pending(
    session: AsyncSession, *, person_id: uuid.UUID, reason: str, closed_on: date, closed_by: str
) -> list[Handover]:
    """Close the person's pending entry (if any) for another route into work (e.g. self-employment), in the caller's
    transaction; the caller audits its own operation."""
    return [
        await _close(session, handover, reason=reason, closed_on=closed_on, closed_by=closed_by)
        for handover in await HandoverRepository(session).pending_of(person_id)
    ]


# --- Called by placements -----------------------------------------------------------------------------------------


async def close_on_placement(session: AsyncSession, person_id: uuid.UUID, placement_id: uuid.UUID) -> list[Handover]:
    """The person was placed: their pending hand-over entry (if any) closes as `placed`, naming the placement, in the
    caller's transaction (the caller audits the placement itself). Returns the entries closed."""
    closed = []
    for handover in await HandoverRepository(session).pending_of(person_id):
        closed.append(
            await _close(
                session,
                handover,
                reason="placed",
                closed_on=date.today(),
                closed_by=f"placement:{placement_id}",
                placement_id=placement_id,
            )
        )
    if closed:
        await audit.record(
            session,
            principal=None,
            operation="handover.close_on_placement",
            resource_type="person",
            resource_ids=[person_id],
            changes={"status": ("pending", "placed"), "placement_id": (None, str(placement_id))},
        )
    return closed


# --- The API ------------------------------------------------------------------------------------------------------


async def list_handovers(
    session: AsyncSession, *, principal: Principal, filters: HandoverFilter, params: PageParams
) -> tuple[list[HandoverRead], str | None]:
    policy.require_read(principal)
    async with audited(session, principal, "handover.list") as trail:
        rows, next_cursor = await HandoverRepository(session).page(filters, params, visible_in=principal.jurisdiction)
        trail.resource_ids = [h.person_id for h in rows]
    today = date.today()
    return [to_read(h, today) for h in rows], next_cursor


async def _visible(
    session: AsyncSession, principal: Principal, handover_id: uuid.UUID, *, for_update: bool = False
) -> Handover:
    """The entry if it exists for the caller (township staff: their jurisdiction's); 404 otherwise."""
    return or_raise(
        await HandoverRepository(session).get(handover_id, visible_in=principal.jurisdiction, for_update=for_update),
        HandoverNotFound,
        "No such hand-over entry.",
    )


async def get_handover(session: AsyncSession, *, principal: Principal, handover_id: uuid.UUID) -> HandoverRead:
    policy.require_read(principal)
    async with audited(session, principal, "handover.read") as trail:
        handover = await _visible(session, principal, handover_id)
        trail.resource_ids = [handover.person_id]
    return to_read(handover)


async def close_handover(
    session: AsyncSession,
    *,
    principal: Principal,
    handover_id: uuid.UUID,
    data: HandoverClose,
    if_match: str | None,
    today: date,
) -> HandoverRead:
    policy.require_close(principal)
    async with audited(session, principal, "handover.close") as trail:
        handover = await _visible(session, principal, handover_id, for_update=True)
        trail.resource_ids = [handover.person_id]
        require_version(if_match, handover.version)
        if handover.status != "pending":
            raise HandoverAlreadyClosed(
                f"This entry was already closed on {handover.closed_on} ({handover.close_reason})."
            )
        errors = []
        if data.closed_on < handover.released_on:
            errors.append(FieldError(field="body.closed_on", message=f"must be on or after {handover.released_on}"))
        if data.closed_on > today:
            errors.append(FieldError(field="body.closed_on", message="cannot be in the future"))
        if data.reason == "other" and not data.note:
            errors.append(FieldError(field="body.note", message="required when the reason is other"))
        if errors:
            raise InvalidHandoverClose("The entry cannot be closed like this.", errors=errors)
        await _close(
            session, handover, reason=data.reason, closed_on=data.closed_on, closed_by=principal.subject, note=data.note
        )
        trail.changes = {"status": ("pending", "closed"), "close_reason": (None, data.reason)}
    return to_read(handover, today)
