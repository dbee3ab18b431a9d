import uuid
from datetime import UTC, date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from registry.database import Base
from shared.db import UUIDPrimaryKey


def _now() -> datetime:
    # The clock, not the transaction's start: two rows written in one transaction keep their order.
    return datetime.now(UTC)


class ControlMeasure(UUIDPrimaryKey, Base):
    """One episode of a control measure (管控措施). Never rewritten: it may be ended once, and a correction is a new
    row naming the row it supersedes (the database refuses anything else, migration r0004)."""

    __tablename__ = "control_measure"

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    kind: Mapped[str] = mapped_column(String(30))
    start_on: Mapped[date] = mapped_column(Date)
    planned_end_on: Mapped[date | None] = mapped_column(Date)
    actual_end_on: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(String(30))
    decision_number: Mapped[str | None] = mapped_column(String(100))
    issuing_authority: Mapped[str | None] = mapped_column(String(100))
    corrects_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("control_measure.id"), unique=True)
    correction_reason: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    ended_by: Mapped[str | None] = mapped_column(Text)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
