import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, or_, select

from placement.placements.models import FollowUp, Placement
from placement.placements.policy import Visibility
from placement.sites.models import PlacementSite
from shared.pagination import PageParams, keyset_rows, newest_first
from shared.query import Repository, seen_limits, where_fields, where_seen

ACTIVE_FULL_TIME_INDEX = "uq_placement_person_id_active_full_time"


@dataclass(frozen=True, slots=True)
class PlacementFilter:
    person_id: uuid.UUID | None = None
    employer_id: uuid.UUID | None = None
    post_id: uuid.UUID | None = None
    route: str | None = None
    jurisdiction_code: str | None = None
    active: bool | None = None


class PlacementRepository(Repository):
    async def get(self, placement_id: uuid.UUID, seen: Visibility, *, for_update: bool = False) -> Placement | None:
        limits = seen_limits(seen, Placement)
        return await self.by_id(Placement, placement_id, *limits, for_update=for_update, fresh=True)

    async def active_full_time(self, person_id: uuid.UUID) -> Placement | None:
        return await self.session.scalar(
            select(Placement).where(
                Placement.person_id == person_id,
                Placement.ended_on.is_(None),
                Placement.working_pattern == "full_time",
            )
        )

    async def site_employer(self, site_id: uuid.UUID) -> uuid.UUID | None:
        """The employer of a placement site (no foreign key from placement: see migration p0005), or None."""
        return await self.session.scalar(select(PlacementSite.employer_id).where(PlacementSite.id == site_id))

    async def with_active_full_time(self, person_ids: list[uuid.UUID]) -> set[uuid.UUID]:
        """Which of these people have an active full-time placement."""
        if not person_ids:
            return set()
        rows = await self.session.scalars(
            select(Placement.person_id).where(
                Placement.person_id.in_(person_ids),
                Placement.ended_on.is_(None),
                Placement.working_pattern == "full_time",
            )
        )
        return set(rows)

    async def add(self, placement: Placement, follow_ups: list[FollowUp]) -> Placement:
        self.session.add(placement)
        await self.session.flush()
        for follow_up in follow_ups:
            follow_up.placement_id = placement.id
            self.session.add(follow_up)
        await self.session.flush()
        return placement

    async def follow_ups(self, placement_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[FollowUp]]:
        return await self.grouped(FollowUp.placement_id, placement_ids, FollowUp.months, fresh=True)

    async def follow_up(self, placement_id: uuid.UUID, months: int) -> FollowUp | None:
        return await self.session.scalar(
            select(FollowUp)
            .where(FollowUp.placement_id == placement_id, FollowUp.months == months)
            .with_for_update()
            .execution_options(populate_existing=True)
        )

    async def page(
        self, filters: PlacementFilter, params: PageParams, seen: Visibility
    ) -> tuple[list[Placement], str | None]:
        equal = ("person_id", "employer_id", "post_id", "route", "jurisdiction_code")
        stmt = where_fields(where_seen(select(Placement), Placement, seen), Placement, filters, *equal)
        if filters.active is not None:
            stmt = stmt.where(Placement.ended_on.is_(None) if filters.active else Placement.ended_on.is_not(None))
        return await newest_first(self.session, stmt, params, Placement.created_at, Placement.id)

    async def due(
        self, as_of: date, seen: Visibility, params: PageParams
    ) -> tuple[list[tuple[FollowUp, Placement]], str | None]:
        """Follow-ups not yet recorded that are due by `as_of`, of placements still running at their due day."""
        stmt = (
            select(FollowUp, Placement)
            .join(Placement, Placement.id == FollowUp.placement_id)
            .where(
                FollowUp.done_on.is_(None),
                FollowUp.due_on <= as_of,
                or_(Placement.ended_on.is_(None), FollowUp.due_on <= Placement.ended_on),
            )
        )
        rows, next_cursor = await keyset_rows(
            self.session,
            where_seen(stmt, Placement, seen),
            params,
            FollowUp.due_on,
            FollowUp.id,
            key_of=lambda row: [row[0].due_on, row[0].id],
        )
        return [(r[0], r[1]) for r in rows], next_cursor

    async def at_employer(self, employer_id: uuid.UUID, *, first: date, last: date) -> list[Placement]:
        """The placements at an employer that concern the period first..last: started by `last`, and either with a
        contract agreed to run to `first` or later, or without an agreed end and not ended before `first`. Older
        ones (years of finished contracts) are no evidence for the period and are never loaded."""
        return list(
            (
                await self.session.scalars(
                    select(Placement)
                    .where(
                        Placement.employer_id == employer_id,
                        Placement.start_on <= last,
                        or_(
                            Placement.contract_end_on >= first,
                            and_(
                                Placement.contract_end_on.is_(None),
                                or_(Placement.ended_on.is_(None), Placement.ended_on >= first),
                            ),
                        ),
                    )
                    .order_by(Placement.start_on, Placement.id)
                )
            ).all()
        )
