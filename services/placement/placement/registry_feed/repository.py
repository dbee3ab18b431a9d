import uuid
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert

from placement.handover.models import Handover
from placement.placements.models import Placement
from placement.referrals.models import Referral
from placement.registry_feed.models import FeedCursor, ProjectedMeasure, ProjectedPerson
from placement.self_employment.models import SelfEmployment
from placement.training.models import TrainingEnrolment
from shared.query import Repository

FEED = "registry"
# Records that belong to a person's jurisdiction and follow the person when the registry moves them: the township
# that now has the person sees their placements and referrals (past ones too), the one that had them no longer does.
FOLLOW_THE_PERSON = (Handover, SelfEmployment, TrainingEnrolment, Placement, Referral)


class FeedRepository(Repository):
    async def cursor(self) -> str | None:
        return await self.session.scalar(select(FeedCursor.cursor).where(FeedCursor.feed == FEED))

    async def lock_cursor(self) -> FeedCursor:
        """The feed's position row, locked until the transaction ends (made on first use)."""
        await self.session.execute(
            insert(FeedCursor)
            .values(feed=FEED, cursor=None, events_seen=0)
            .on_conflict_do_nothing(index_elements=["feed"])
        )
        return await self.session.scalar(
            select(FeedCursor)
            .where(FeedCursor.feed == FEED)
            .with_for_update()
            .execution_options(populate_existing=True)
        )

    async def person(self, person_id: uuid.UUID, *, for_update: bool = False) -> ProjectedPerson | None:
        stmt = select(ProjectedPerson).where(ProjectedPerson.person_id == person_id)
        if for_update:
            stmt = stmt.with_for_update()
        return await self.session.scalar(stmt.execution_options(populate_existing=True))

    async def add_person(self, person: ProjectedPerson) -> ProjectedPerson:
        self.session.add(person)
        await self.session.flush()
        return person

    async def episodes(self, person_id: uuid.UUID) -> list[ProjectedMeasure]:
        stmt = select(ProjectedMeasure).where(ProjectedMeasure.person_id == person_id)
        return list((await self.session.scalars(stmt.execution_options(populate_existing=True))).all())

    async def upsert_measure(self, values: dict) -> None:
        """Insert an episode, or merge a later report of it: an end, once reported, is never taken back by an
        earlier report that reaches us late (an episode is only ever ended once; corrections are new rows)."""
        stmt = insert(ProjectedMeasure).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=["measure_id"],
            set_={
                "kind": stmt.excluded.kind,
                "start_on": stmt.excluded.start_on,
                "planned_end_on": stmt.excluded.planned_end_on,
                "actual_end_on": func.coalesce(stmt.excluded.actual_end_on, ProjectedMeasure.actual_end_on),
                "end_reason": func.coalesce(stmt.excluded.end_reason, ProjectedMeasure.end_reason),
            },
        )
        await self.session.execute(stmt)

    async def relocate(self, person_id: uuid.UUID, jurisdiction_code: str) -> None:
        for model in FOLLOW_THE_PERSON:
            await self.session.execute(
                update(model)
                .where(model.person_id == person_id, model.jurisdiction_code != jurisdiction_code)
                .values(jurisdiction_code=jurisdiction_code, version=model.version + 1)
                .execution_options(synchronize_session=False)
            )

    async def checked_at(self) -> datetime | None:
        """When the follower last read the feed up to where it was (None: never)."""
        return await self.session.scalar(select(FeedCursor.updated_at).where(FeedCursor.feed == FEED))

    async def known_people(self, person_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        """Which of these people the projection has (the feed reported them)."""
        if not person_ids:
            return set()
        rows = await self.session.scalars(
            select(ProjectedPerson.person_id).where(ProjectedPerson.person_id.in_(person_ids))
        )
        return set(rows)

    async def measure_rows(self, person_ids: Sequence[uuid.UUID]) -> Sequence:
        """Every projected episode of these people, corrected rows included (rules.effective sorts them out), as
        plain rows (measure_id, person_id, kind, start_on, actual_end_on, corrects_id)."""
        if not person_ids:
            return []
        m = ProjectedMeasure
        result = await self.session.execute(
            select(m.measure_id, m.person_id, m.kind, m.start_on, m.actual_end_on, m.corrects_id).where(
                m.person_id.in_(person_ids)
            )
        )
        return result.all()

    async def stale(self, today: date, limit: int) -> list[ProjectedPerson]:
        stmt = (
            select(ProjectedPerson)
            .where(ProjectedPerson.derived_on < today)
            .order_by(ProjectedPerson.derived_on, ProjectedPerson.person_id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list((await self.session.scalars(stmt)).all())
