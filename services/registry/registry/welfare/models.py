import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Integer, Numeric, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from registry.database import Base
from shared.db import Timestamps, UUIDPrimaryKey


class WelfareRecord(Timestamps, Base):
    """A person's current welfare and employment status: one row per person, changed in place under If-Match (the
    history of changes is in the audit trail)."""

    __tablename__ = "welfare_record"

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), primary_key=True)
    mlg_status: Mapped[str] = mapped_column(String(10), default="none")
    mlg_since: Mapped[date | None] = mapped_column(Date)
    mlg_amount_cny: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    medical_insurance: Mapped[str | None] = mapped_column(String(30))
    disability_grade: Mapped[int | None] = mapped_column(SmallInteger)
    disability_certificate_number: Mapped[str | None] = mapped_column(String(30))
    employment_certificate_number: Mapped[str | None] = mapped_column(String(30))
    employment_certificate_issued_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class ReliefEvent(UUIDPrimaryKey, Timestamps, Base):
    """Temporary relief (临时救助) paid to the person."""

    __tablename__ = "welfare_relief"

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    granted_on: Mapped[date] = mapped_column(Date)
    amount_cny: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    reason: Mapped[str] = mapped_column(String(200))
    recorded_by: Mapped[str] = mapped_column(String(255))
