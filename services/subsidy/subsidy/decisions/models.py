import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import UUIDPrimaryKey
from subsidy.database import Base


class SubsidyDecision(UUIDPrimaryKey, Base):
    """What one beneficiary (an employer, or a person by registry id) gets of one subsidy type in one year, under
    one policy version, with the evidence it rests on frozen in `evidence`. Never changed once written: a
    re-evaluation whose evidence differs writes the next version (and says what differs); only `is_current` moves."""

    __tablename__ = "subsidy_decision"
    __table_args__ = (
        UniqueConstraint("beneficiary_id", "subsidy_type", "year", "version", name="uq_subsidy_decision_version"),
        Index(
            "uq_subsidy_decision_current",
            "beneficiary_id",
            "subsidy_type",
            "year",
            unique=True,
            postgresql_where=text("is_current"),
        ),
        # The year's totals read only these columns of the current versions.
        Index(
            "ix_subsidy_decision_year_current",
            "year",
            "subsidy_type",
            "tier",
            "jurisdiction_code",
            postgresql_where=text("is_current"),
            postgresql_include=["amount", "qualifying_count"],
        ),
        Index("ix_subsidy_decision_evaluation_id", "evaluation_id"),
    )

    year: Mapped[int] = mapped_column(Integer)
    subsidy_type: Mapped[str] = mapped_column(String(30))
    beneficiary_kind: Mapped[str] = mapped_column(String(10))
    beneficiary_id: Mapped[uuid.UUID] = mapped_column()
    jurisdiction_code: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)
    is_current: Mapped[bool] = mapped_column(Boolean)
    policy_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subsidy_policy.id"))
    policy_version: Mapped[int] = mapped_column(Integer)
    qualifying_count: Mapped[int] = mapped_column(Integer)
    tier: Mapped[str | None] = mapped_column(String(20))
    tier_label_zh: Mapped[str | None] = mapped_column(String(40))
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    evidence: Mapped[dict[str, Any]] = mapped_column(JSONB)
    evidence_hash: Mapped[str] = mapped_column(String(64))
    difference: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    """What differs from the previous version (null for version 1)."""
    evaluation_id: Mapped[uuid.UUID | None] = mapped_column()
    decided_by: Mapped[str] = mapped_column(String(255))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class SubsidyDecisionTotal(Base):
    """The current decisions of a year summed by type, tier and jurisdiction: derived from subsidy_decision and
    rewritten for the year and types concerned in the very transaction in which an evaluation writes decisions (the
    only writer of decisions), so the year's totals read a hundred rows instead of summing 50,000 on every request."""

    __tablename__ = "subsidy_decision_total"
    __table_args__ = (
        Index(
            "uq_subsidy_decision_total_group",
            "year",
            "subsidy_type",
            text("coalesce(tier, '')"),
            "jurisdiction_code",
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    subsidy_type: Mapped[str] = mapped_column(String(30))
    tier: Mapped[str | None] = mapped_column(String(20))
    jurisdiction_code: Mapped[str] = mapped_column(String(40))
    decisions: Mapped[int] = mapped_column(Integer)
    paying: Mapped[int] = mapped_column(Integer)
    """Of them, with an amount above 0."""
    qualifying: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[Decimal] = mapped_column(Numeric(16, 2))
