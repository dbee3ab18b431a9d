import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, Uuid, func, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import UUIDPrimaryKey
from subsidy.database import Base


class SubsidyEvaluation(UUIDPrimaryKey, Base):
    """One evaluation of a year (a background job, like an import): who started it, under which policy version,
    its progress (employers fetched from placement out of the total), and its outcome. Its decisions are written
    in one transaction at the end, with its end: a failed or interrupted evaluation wrote none."""

    __tablename__ = "subsidy_evaluation"
    __table_args__ = (
        # One evaluation of a year at a time.
        Index(
            "uq_subsidy_evaluation_year_unfinished",
            "year",
            unique=True,
            postgresql_where=text("status IN ('queued', 'running')"),
        ),
        Index("ix_subsidy_evaluation_created_at", "created_at"),
    )

    year: Mapped[int] = mapped_column(Integer)
    policy_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subsidy_policy.id"))
    policy_version: Mapped[int] = mapped_column(Integer)
    subsidy_types: Mapped[list[str]] = mapped_column(ARRAY(String(30)))
    employer_ids: Mapped[list[uuid.UUID] | None] = mapped_column(ARRAY(Uuid))
    """None: every employer and person with evidence in the year."""
    status: Mapped[str] = mapped_column(String(12))
    phase: Mapped[str] = mapped_column(String(12), default="queued")
    total_employers: Mapped[int | None] = mapped_column(Integer)
    fetched_employers: Mapped[int] = mapped_column(Integer, default=0)
    beneficiaries: Mapped[int] = mapped_column(Integer, default=0)
    decisions_written: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    error_code: Mapped[str | None] = mapped_column(String(60))
    error: Mapped[str | None] = mapped_column(Text)
    owner_subject: Mapped[str] = mapped_column(Text)
    owner_kind: Mapped[str] = mapped_column(String(10))
    owner_name: Mapped[str] = mapped_column(Text)
    owner_roles: Mapped[list[str]] = mapped_column(ARRAY(Text))
    owner_department: Mapped[str | None] = mapped_column(String(40))
    owner_jurisdiction: Mapped[str | None] = mapped_column(String(40))
    request_id: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    heartbeat_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __mapper_args__ = {"eager_defaults": True}
