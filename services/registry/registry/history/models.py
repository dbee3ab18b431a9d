import uuid
from datetime import UTC, date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from registry.database import Base
from shared.db import UUIDPrimaryKey


def _now() -> datetime:
    # The clock, not the transaction's start: two rows written in one transaction keep their order.
    return datetime.now(UTC)


class RegisterChange(UUIDPrimaryKey, Base):
    """A dated change of whether a person is on the register (在册): `left` (died, moved out of the county, entered
    in error, other) or `returned`. Never rewritten: a wrong one is withdrawn (once), and stays in the history
    (migration r0011)."""

    __tablename__ = "register_change"

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    kind: Mapped[str] = mapped_column(String(10))
    effective_on: Mapped[date] = mapped_column(Date)
    reason_code: Mapped[str | None] = mapped_column(String(30))
    detail: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    withdrawn_by: Mapped[str | None] = mapped_column(Text)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawal_reason: Mapped[str | None] = mapped_column(String(500))


class WorkAbilityChange(UUIDPrimaryKey, Base):
    """Work ability from a day on (劳动能力认定). Append-only: a later entry for the same day supersedes an earlier
    one."""

    __tablename__ = "work_ability_change"

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    effective_on: Mapped[date] = mapped_column(Date)
    work_ability: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class Stay(UUIDPrimaryKey, Base):
    """A custody or facility stay (拘留, 刑事羁押, 住院, other facility) that may overlap a community measure without
    ending it. It may be ended once and withdrawn once; nothing else changes (migration r0011)."""

    __tablename__ = "stay"

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    kind: Mapped[str] = mapped_column(String(20))
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date | None] = mapped_column(Date)
    for_drug_use: Mapped[bool] = mapped_column(Boolean, default=False)
    place: Mapped[str | None] = mapped_column(String(100))
    decision_number: Mapped[str | None] = mapped_column(String(100))
    created_by: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    ended_by: Mapped[str | None] = mapped_column(Text)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_by: Mapped[str | None] = mapped_column(Text)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawal_reason: Mapped[str | None] = mapped_column(String(500))
