from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, DateTime, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Timestamps, UUIDPrimaryKey
from subsidy.database import Base


class SubsidyPolicy(UUIDPrimaryKey, Timestamps, Base):
    """One version of a year's subsidy policy (补助政策): per subsidy type, its rule as data (subsidy.policies.rules).

    A draft may be edited; once published it is frozen, and a change is a new version of the year. Publishing a
    new version supersedes the published one (which stays frozen, with the decisions made under it)."""

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
    rules: Mapped[dict[str, Any]] = mapped_column(JSONB)
    """subsidy type -> its rule (the JSON of subsidy.policies.rules, amounts as decimal strings)."""
    notes: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(255))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    published_by: Mapped[str | None] = mapped_column(String(255))
    superseded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    first_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    """When a decision first rested on this version."""
    row_version: Mapped[int] = mapped_column(Integer)
    """Counts the edits of a draft: the ETag."""

    # eager_defaults: server-set timestamps come back with the INSERT/UPDATE (RETURNING), no lazy load later.
    __mapper_args__ = {"eager_defaults": True, "version_id_col": row_version}
