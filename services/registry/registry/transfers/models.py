import uuid
from datetime import UTC, date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from registry.database import Base
from shared.db import Timestamps, UUIDPrimaryKey


def _now() -> datetime:
    # The clock, not the transaction's start: the lists' newest-first order holds even for rows of one transaction.
    return datetime.now(UTC)


class PersonTransfer(UUIDPrimaryKey, Timestamps, Base):
    """A person's move from one jurisdiction to another (人员迁移): proposed by the jurisdiction the person is
    registered in, then accepted or rejected by the receiving one, or cancelled by the proposing side. Never deleted:
    both sides keep the history. At most one is open (proposed) per person (partial unique index, migration r0007).
    `created_at` is when it was proposed."""

    __tablename__ = "person_transfer"

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    from_jurisdiction_code: Mapped[str] = mapped_column(String(40), ForeignKey("jurisdiction.code"))
    to_jurisdiction_code: Mapped[str] = mapped_column(String(40), ForeignKey("jurisdiction.code"))
    reason: Mapped[str] = mapped_column(String(500))
    new_residence_address: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="proposed")
    proposed_by: Mapped[str] = mapped_column(String(255))
    resolved_by: Mapped[str | None] = mapped_column(String(255))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolution_reason: Mapped[str | None] = mapped_column(String(500))
    effective_on: Mapped[date | None] = mapped_column(Date)
    """The day the person belongs to the receiving jurisdiction: proposed (back-dated allowed) or, when not, the day
    of acceptance. Set on every accepted transfer."""
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)

    __mapper_args__ = {"version_id_col": version}
