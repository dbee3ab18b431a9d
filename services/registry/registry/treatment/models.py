import uuid
from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from registry.database import Base
from shared.db import Timestamps, UUIDPrimaryKey


class DetoxAgreement(UUIDPrimaryKey, Timestamps, Base):
    """A voluntary detox agreement (自愿戒毒协议) with a treatment institution."""

    __tablename__ = "treatment_agreement"

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    institution: Mapped[str] = mapped_column(String(100))
    signed_on: Mapped[date] = mapped_column(Date)
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date | None] = mapped_column(Date)
    guardian_signed: Mapped[bool] = mapped_column(Boolean)


class MethadoneEnrolment(UUIDPrimaryKey, Timestamps, Base):
    """Methadone maintenance treatment (美沙酮维持治疗) at a clinic; at most one open enrolment per person."""

    __tablename__ = "treatment_methadone"

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    clinic: Mapped[str] = mapped_column(String(100))
    enrolled_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(String(30))


class CounsellingSession(UUIDPrimaryKey, Timestamps, Base):
    """A psychological, medical or group counselling session."""

    __tablename__ = "treatment_counselling"

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    held_on: Mapped[date] = mapped_column(Date)
    provider: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    notes: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(255))
