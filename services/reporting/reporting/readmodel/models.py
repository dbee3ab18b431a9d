"""Reporting's own read model: what the registry's, placement's and subsidy's event feeds said, kept as dated facts
(ids, codes, dates and statuses only: never names, ID numbers or contacts), and what is derived from them.

Facts are versions: every event adds rows and never changes one, each with the time it was recorded at its source
(`recorded_at`, the event's time), so "what was known at T" stays answerable. A fact row is keyed by the event that
brought it: an event delivered twice adds nothing the second time.

Derived (rebuilt from the facts at any time): each person's intervals of what they count for (readmodel.rules), and
per jurisdiction the day-by-day changes of every count, with a monthly roll-up, so a count on any date is a sum over
a few hundred rows however many people there are."""

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Identity,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from reporting.database import Base

COUNT_COLUMNS = (
    "on_record",
    "controlled",
    "consolidated",
    "community",
    "community_placed",
    "eligible",
    "eligible_placed",
    "coverage_base",
    "coverage_trained",
)
"""The counts kept per jurisdiction and day (readmodel.rules flags; `*_placed`: placed among them)."""


class FeedCursor(Base):
    """How far a source's feed has been applied, and how fresh that is ("data as of")."""

    __tablename__ = "rm_feed_cursor"

    feed: Mapped[str] = mapped_column(String(20), primary_key=True)
    cursor: Mapped[str | None] = mapped_column(String(512))
    events_seen: Mapped[int] = mapped_column(BigInteger, default=0)
    last_event_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    """When the newest applied event was recorded at its source."""
    caught_up_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    """The last time the feed had nothing more to give: everything the source had recorded by then is applied."""
    last_error_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(300))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class FactVersion:
    """What every fact row has: its place in the order facts were kept, and the event (source feed, id, time it was
    recorded at its source) that brought it. The first columns of its table."""

    seq: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True, sort_order=-1)
    feed: Mapped[str] = mapped_column(String(20), sort_order=-1)
    event_id: Mapped[int] = mapped_column(BigInteger, sort_order=-1)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), sort_order=-1)


def keyed_by_event(table: str, *key: str, versions_of: str) -> tuple[UniqueConstraint, Index]:
    """A fact table's constraints: one row per event and `key` (an event delivered twice adds nothing), and the
    versions of each `versions_of` in the order they were kept."""
    return (
        UniqueConstraint("feed", "event_id", *key, name=f"uq_{table}_event"),
        Index(f"ix_{table}_{versions_of}_seq", versions_of, "seq"),
    )


class PersonFact(FactVersion, Base):
    """One version of a fact about a person. `fact_type` says which columns mean what:

    - person: registered_on (start_on), birth_date, gender, jurisdiction_code, work_ability, status;
    - jurisdiction: a transfer, effective start_on; work_ability: a dated change, effective start_on;
    - register: kind off|return, effective start_on, reason (died, moved_out, error ...);
    - measure: fact_id = measure id, kind, start_on, end_on (actual end), reason (end reason), corrects_id;
    - stay: custody or facility stay, kind, start_on, end_on, for_drug_use;
    - relapse: a relapse or positive test on start_on (kind says which);
    - placement: fact_id = placement or self-employment id, kind = route, start_on, end_on;
    - training: fact_id = enrolment id, start_on = the day it counts on, status.
    """

    __tablename__ = "rm_person_fact"
    __table_args__ = (
        *keyed_by_event("rm_person_fact", "fact_type", "fact_id", versions_of="person_id"),
        Index("ix_rm_person_fact_recorded_at", "recorded_at"),
    )

    person_id: Mapped[uuid.UUID] = mapped_column()
    fact_type: Mapped[str] = mapped_column(String(20))
    fact_id: Mapped[uuid.UUID] = mapped_column()
    kind: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(40))
    jurisdiction_code: Mapped[str | None] = mapped_column(String(40))
    work_ability: Mapped[str | None] = mapped_column(String(20))
    gender: Mapped[str | None] = mapped_column(String(10))
    start_on: Mapped[date | None] = mapped_column(Date)
    end_on: Mapped[date | None] = mapped_column(Date)
    birth_date: Mapped[date | None] = mapped_column(Date)
    birth_year: Mapped[int | None] = mapped_column(SmallInteger)
    """What first-version events carry instead of the date (see readmodel.service.build_facts)."""
    corrects_id: Mapped[uuid.UUID | None] = mapped_column()
    for_drug_use: Mapped[bool | None] = mapped_column(Boolean)


class SiteFact(FactVersion, Base):
    """One version of a Qihang placement base or point (placement's sites)."""

    __tablename__ = "rm_site_fact"
    __table_args__ = keyed_by_event("rm_site_fact", "site_id", versions_of="site_id")

    site_id: Mapped[uuid.UUID] = mapped_column()
    kind: Mapped[str | None] = mapped_column(String(30))
    jurisdiction_code: Mapped[str] = mapped_column(String(40))
    designated_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)


class SubsidyFact(FactVersion, Base):
    """One version of a subsidy decision or payment (subsidy's feed)."""

    __tablename__ = "rm_subsidy_fact"
    __table_args__ = keyed_by_event("rm_subsidy_fact", "fact_id", versions_of="fact_id")

    fact_type: Mapped[str] = mapped_column(String(20))
    """decision or payment."""
    fact_id: Mapped[uuid.UUID] = mapped_column()
    decision_id: Mapped[uuid.UUID | None] = mapped_column()
    subsidy_type: Mapped[str | None] = mapped_column(String(40))
    tier: Mapped[str | None] = mapped_column(String(20))
    year: Mapped[int | None] = mapped_column(Integer)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    on_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str | None] = mapped_column(String(20))
    jurisdiction_code: Mapped[str | None] = mapped_column(String(40))


class PersonInterval(Base):
    """Derived: the days a person counts for something, with their jurisdiction (readmodel.rules.Interval)."""

    __tablename__ = "rm_person_interval"
    __table_args__ = (Index("ix_rm_person_interval_jurisdiction_code", "jurisdiction_code"),)

    person_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    valid_from: Mapped[date] = mapped_column(Date, primary_key=True)
    valid_to: Mapped[date | None] = mapped_column(Date)
    jurisdiction_code: Mapped[str] = mapped_column(String(40))
    flags: Mapped[int] = mapped_column(SmallInteger)


class Counts:
    """The counts a day's or a month's row holds for a jurisdiction, one column a count (the flags of
    readmodel.rules, placed split by its denominator)."""

    on_record: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    controlled: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    consolidated: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    community: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    community_placed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    eligible: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    eligible_placed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    coverage_base: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    coverage_trained: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class DailyCount(Counts, Base):
    """Derived: by how much each count changes on a day in a jurisdiction (the sum up to D is the count on D)."""

    __tablename__ = "rm_daily_count"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    jurisdiction_code: Mapped[str] = mapped_column(String(40), primary_key=True)


class MonthlyCount(Counts, Base):
    """Derived: the daily changes summed by month (first day of the month)."""

    __tablename__ = "rm_monthly_count"

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    jurisdiction_code: Mapped[str] = mapped_column(String(40), primary_key=True)


class DirtyPerson(Base):
    """People whose facts changed since their intervals were last derived."""

    __tablename__ = "rm_dirty_person"

    person_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    marked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
