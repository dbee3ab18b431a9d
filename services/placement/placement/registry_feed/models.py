"""The placement service's own, minimal copy of what it needs from the registry: each person's jurisdiction, record
status, work ability, birth year and control-measure episodes (codes and dates only), fed by the registry's event
feed, and the feed position reached. Nothing here names anyone."""

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, DateTime, Integer, SmallInteger, String, func
from sqlalchemy.orm import Mapped, mapped_column

from placement.database import Base


class ProjectedPerson(Base):
    """A person on the registry's record, as far as placement needs to know."""

    __tablename__ = "registry_person"

    person_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    jurisdiction_code: Mapped[str] = mapped_column(String(40), index=True)
    status: Mapped[str] = mapped_column(String(20))
    work_ability: Mapped[str | None] = mapped_column(String(20))
    birth_year: Mapped[int | None] = mapped_column(SmallInteger)
    version: Mapped[int] = mapped_column(Integer)
    """The registry's version of the person's record: an older event is never applied over a newer one."""
    current_measure_kind: Mapped[str | None] = mapped_column(String(30))
    """Control measure in force on `derived_on`."""
    eligible_for_placement: Mapped[bool] = mapped_column(Boolean)
    """Eligible on `derived_on` (placement.registry_feed.rules.ELIGIBILITY_DEFINITION)."""
    derived_on: Mapped[date] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ProjectedMeasure(Base):
    """One control-measure episode of a person (a correction is a row of its own naming the row it replaces)."""

    __tablename__ = "registry_measure"

    measure_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(30))
    start_on: Mapped[date] = mapped_column(Date)
    planned_end_on: Mapped[date | None] = mapped_column(Date)
    actual_end_on: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(String(30))
    corrects_id: Mapped[uuid.UUID | None] = mapped_column()


class FeedCursor(Base):
    """How far a feed has been applied; advanced in the same transaction as the events' effects."""

    __tablename__ = "registry_feed_cursor"

    feed: Mapped[str] = mapped_column(String(40), primary_key=True)
    cursor: Mapped[str | None] = mapped_column(String(512))
    events_seen: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
