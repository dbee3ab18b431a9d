import uuid
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Identity, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from placement.database import Base
from shared.db import Timestamps, UUIDPrimaryKey


class Referral(UUIDPrimaryKey, Timestamps, Base):
    """A person recommended (推荐) to a job post, and how far it got."""

    __tablename__ = "referral"

    person_id: Mapped[uuid.UUID] = mapped_column(index=True)
    jurisdiction_code: Mapped[str] = mapped_column(String(40))
    post_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("job_post.id"), index=True)
    employer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("employer.id"))
    status: Mapped[str] = mapped_column(String(15))
    decline_reason: Mapped[str | None] = mapped_column(String(30))
    closed_by_event_id: Mapped[int | None] = mapped_column(BigInteger)
    """The registry feed event that closed this referral (the person died, moved out, entered isolation or custody)."""
    placement_id: Mapped[uuid.UUID | None] = mapped_column()
    """The placement recorded when the referral was marked hired with the contract."""
    version: Mapped[int] = mapped_column(Integer)

    # A township's referrals, newest first (matching's candidate pool).
    __table_args__ = (Index("ix_referral_jurisdiction_code_created_at", "jurisdiction_code", "created_at"),)
    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}


class ReferralStep(Base):
    """One move of a referral from one status to the next: its history."""

    __tablename__ = "referral_step"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    referral_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("referral.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(15))
    to_status: Mapped[str] = mapped_column(String(15))
    reason: Mapped[str | None] = mapped_column(String(30))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    by_subject: Mapped[str] = mapped_column(String(255))

    __mapper_args__ = {"eager_defaults": True}
