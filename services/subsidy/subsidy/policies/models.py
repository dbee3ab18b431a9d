import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared.db import Timestamps, UUIDPrimaryKey
from subsidy.database import Base


class SubsidyPolicyTier(UUIDPrimaryKey, Base):
    """One headcount band of a policy and the yearly amount an enterprise in that band gets."""

    __tablename__ = "subsidy_policy_tier"
    __table_args__ = (UniqueConstraint("policy_id", "min_headcount", name="uq_subsidy_policy_tier_policy_id_min"),)

    policy_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subsidy_policy.id", ondelete="CASCADE"), index=True)
    min_headcount: Mapped[int] = mapped_column(Integer)
    max_headcount: Mapped[int | None] = mapped_column(Integer)
    """None: no upper bound."""
    amount_cny: Mapped[Decimal] = mapped_column(Numeric(12, 2))


class SubsidyPolicy(UUIDPrimaryKey, Timestamps, Base):
    """The enterprise placement subsidy policy of one year, in one version (补助政策)."""

    __tablename__ = "subsidy_policy"
    __table_args__ = (
        UniqueConstraint("year", "version", name="uq_subsidy_policy_year_version"),
        # At most one published policy per year; the database holds the line if two publishes race.
        Index("uq_subsidy_policy_published_year", "year", unique=True, postgresql_where=text("status = 'published'")),
    )

    year: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    effective_from: Mapped[date] = mapped_column(Date)
    effective_to: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    minimum_contract_months: Mapped[int] = mapped_column(Integer)
    notes: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(255))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    published_by: Mapped[str | None] = mapped_column(String(255))
    tiers: Mapped[list[SubsidyPolicyTier]] = relationship(
        order_by=SubsidyPolicyTier.min_headcount, cascade="all, delete-orphan", lazy="selectin"
    )

    # eager_defaults: server-set timestamps come back with the INSERT/UPDATE (RETURNING), no lazy load later.
    __mapper_args__ = {"eager_defaults": True}
