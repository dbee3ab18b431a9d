import uuid
from datetime import UTC, date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from registry.database import Base
from shared.db import UUIDPrimaryKey


def _now() -> datetime:
    return datetime.now(UTC)


class DrugTest(UUIDPrimaryKey, Base):
    """A drug test (尿检 / 毛发检测 ...) and its result. Append-only."""

    __tablename__ = "drug_test"

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    tested_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))
    result: Mapped[str] = mapped_column(String(20))
    substance: Mapped[str | None] = mapped_column(String(50))
    tested_by: Mapped[str] = mapped_column(String(100))
    created_by: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class Relapse(UUIDPrimaryKey, Base):
    """A relapse event (复吸), recorded by a positive drug test. Append-only."""

    __tablename__ = "relapse"

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    occurred_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(20))
    drug_test_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("drug_test.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
