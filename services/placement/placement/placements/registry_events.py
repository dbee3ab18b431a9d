"""What the registry's events end on placement's side (issue 13): when a person dies, moves out of the county, enters
compulsory isolation or criminal custody, their active placements end on that day with that reason, their open
referrals close (declined, with that reason), and follow-ups due after the end stop being due (the due list already
leaves out follow-ups due after a placement's end). Each placement and referral names the feed event that ended it.

Which events end what (ENDINGS, by the registry's schema-v2 events, docs/events/registry.md):
- `person.archived` with `reason_code` `died` (on `effective_on`) -> died; `moved_out_of_county` -> moved_away.
  `entered_in_error` and `other` end nothing: they say nothing about the person's work.
- `measure.created` / `measure.corrected` / `measure.ended` with `end_reason` `death` or `moved_away` (on
  `actual_end_on`) -> died / moved_away.
- `measure.created` / `measure.corrected` of kind `compulsory_isolation` or `custody` (on `start_on`) ->
  compulsory_isolation / custody.
- `stay.recorded` of kind `criminal_custody` (刑事羁押, on `start_on`) -> custody. An administrative detention (拘留),
  a hospital or another facility stay does NOT end a placement: such a stay does not end the community measure
  either (the person is back at work once out, and the employer may keep the contract), so placement follows the
  registry's reading that the person stays in the programme. A detention that leads to criminal custody or
  isolation arrives as that event and ends the placement then.

Only placements that started on or before the day end (one started after it, e.g. after a stay or isolation ended,
is not touched).
Referrals close when the ending still holds today: always for a death or a move; for isolation or custody only while
it has not ended by today. Applying an event twice changes nothing: only placements still active and referrals still
open are touched, and what it ended names it. A withdrawn stay or register change does not reopen anything
(end it by hand and record the placement again)."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from placement.placements import service as placements
from placement.placements.models import Placement
from placement.referrals import service as referrals
from placement.referrals.models import Referral
from placement.referrals.repository import ReferralRepository

logger = logging.getLogger("placement.registry_feed")

FEED_SUBJECT = "registry-feed"
"""Who made the move, in a referral's history, when the registry's events closed it."""
OPEN_REFERRAL_STATUSES = ("recommended", "interview", "offer")
REFERRAL_REASONS = {
    "died": "person_died",
    "moved_away": "moved_away",
    "compulsory_isolation": "compulsory_isolation",
    "custody": "custody",
}
MEASURE_KINDS = frozenset({"measure.created", "measure.corrected", "measure.ended"})
ENTERING_KINDS = frozenset({"measure.created", "measure.corrected"})
ENTERED = {"compulsory_isolation": "compulsory_isolation", "custody": "custody"}
MEASURE_ENDS = {"death": "died", "moved_away": "moved_away"}
REGISTER_LEAVES = {"died": "died", "moved_out_of_county": "moved_away"}
STAYS_ENDING = {"criminal_custody": "custody"}


class _Data(BaseModel):
    """The keys read here; anything else is ignored."""

    model_config = ConfigDict(extra="ignore")

    reason_code: str | None = None
    effective_on: date | None = None
    kind: str | None = None
    start_on: date | None = None
    actual_end_on: date | None = None
    end_on: date | None = None
    end_reason: str | None = None


@dataclass(frozen=True, slots=True)
class Ending:
    on: date
    reason: str
    """A placement end reason (placements.schemas.EndReason)."""
    until: date | None = None
    """The day the cause ends (isolation or custody released), if known; None: it lasts."""
    lasting: bool = False
    """A death or a move: never over."""

    def holds_on(self, day: date) -> bool:
        return self.on <= day and (self.lasting or self.until is None or day < self.until)


def ending_of(kind: str, data: dict[str, Any]) -> Ending | None:
    """What an event ends, or None."""
    try:
        d = _Data.model_validate(data)
    except ValidationError:
        return None
    if kind == "person.archived" and d.reason_code in REGISTER_LEAVES and d.effective_on is not None:
        return Ending(d.effective_on, REGISTER_LEAVES[d.reason_code], lasting=True)
    if kind in MEASURE_KINDS:
        if d.end_reason in MEASURE_ENDS and d.actual_end_on is not None:
            return Ending(d.actual_end_on, MEASURE_ENDS[d.end_reason], lasting=True)
        if kind in ENTERING_KINDS and d.kind in ENTERED and d.start_on is not None:
            return Ending(d.start_on, ENTERED[d.kind], until=d.actual_end_on)
    if kind == "stay.recorded" and d.kind in STAYS_ENDING and d.start_on is not None:
        return Ending(d.start_on, STAYS_ENDING[d.kind], until=d.end_on)
    return None


@dataclass(frozen=True, slots=True)
class Applied:
    placements_ended: int = 0
    referrals_closed: int = 0


async def apply(
    session: AsyncSession, *, event_id: int, kind: str, person_id: uuid.UUID, data: dict[str, Any], today: date
) -> Applied:
    """End what this registry event ends (nothing when it ends nothing, or was applied before)."""
    ending = ending_of(kind, data)
    if ending is None:
        return Applied()
    active = await session.scalars(
        select(Placement)
        .where(Placement.person_id == person_id, Placement.ended_on.is_(None), Placement.start_on <= ending.on)
        .order_by(Placement.start_on, Placement.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    ended = 0
    last_day = ending.on - timedelta(days=1)
    for placement in active.all():
        await placements.close(
            session,
            placement,
            ended_on=max(placement.start_on, last_day),
            reason=ending.reason,
            event_id=event_id,
            event_kind=kind,
        )
        ended += 1
    closed = 0
    if ending.holds_on(today):
        closed = await _close_referrals(session, person_id, REFERRAL_REASONS[ending.reason], event_id)
    if ended or closed:
        logger.info(
            "registry event ended placements",
            extra={"event_id": event_id, "placements": ended, "referrals": closed},
        )
    return Applied(ended, closed)


async def _close_referrals(session: AsyncSession, person_id: uuid.UUID, reason: str, event_id: int) -> int:
    repo = ReferralRepository(session)
    rows = await session.scalars(
        select(Referral)
        .where(Referral.person_id == person_id, Referral.status.in_(OPEN_REFERRAL_STATUSES))
        .order_by(Referral.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    closed = 0
    for referral in rows.all():
        before = referral.status
        referral.status = "declined"
        referral.decline_reason = reason
        referral.closed_by_event_id = event_id
        await referrals.record_move(
            session, repo, referral, before, by_subject=FEED_SUBJECT, closed_by_registry_event_id=event_id
        )
        closed += 1
    return closed
