import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from placement.database import Base
from shared.db import Timestamps, UUIDPrimaryKey


class Placement(UUIDPrimaryKey, Timestamps, Base):
    """A person's placement (安置) by one route, usually at an employer under an employment contract."""

    __tablename__ = "placement"

    person_id: Mapped[uuid.UUID] = mapped_column(index=True)
    # The person's jurisdiction from the registry at placement time: township lists filter on it locally.
    jurisdiction_code: Mapped[str] = mapped_column(String(40))
    route: Mapped[str] = mapped_column(String(30))
    employer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("employer.id"), index=True)
    site_id: Mapped[uuid.UUID | None] = mapped_column()
    post_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("job_post.id"), index=True)
    working_pattern: Mapped[str] = mapped_column(String(20))
    start_on: Mapped[date] = mapped_column(Date)
    contract_number: Mapped[str | None] = mapped_column(String(60))
    contract_signed_on: Mapped[date | None] = mapped_column(Date)
    contract_end_on: Mapped[date | None] = mapped_column(Date)
    contract_open_ended: Mapped[bool | None] = mapped_column(Boolean)
    contract_term_months: Mapped[int | None] = mapped_column(Integer)
    monthly_wage: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    ended_on: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(String(20))
    eligibility_checked_on: Mapped[date | None] = mapped_column(Date)
    """The day the person's placeability was checked on (the start date, or the creation day if it started later)."""
    eligibility_rule: Mapped[str | None] = mapped_column(String(40))
    """The version of placements.rules the check followed."""
    ended_by_event_id: Mapped[int | None] = mapped_column(BigInteger)
    """The registry feed event that ended this placement (a death, a move out, isolation or custody), if one did."""
    ended_by_event_kind: Mapped[str | None] = mapped_column(String(60))
    version: Mapped[int] = mapped_column(Integer)

    # A township's placements, newest first (matching's candidate pool).
    __table_args__ = (Index("ix_placement_jurisdiction_code_created_at", "jurisdiction_code", "created_at"),)
    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}


class FollowUp(UUIDPrimaryKey, Timestamps, Base):
    """A check 3, 6 or 12 months after the start whether the person is still working."""

    __tablename__ = "placement_follow_up"

    placement_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("placement.id"))
    months: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    done_on: Mapped[date | None] = mapped_column(Date)
    still_working: Mapped[bool | None] = mapped_column(Boolean)
    recorded_by: Mapped[str | None] = mapped_column(String(255))
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}
