import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Timestamps, UUIDPrimaryKey
from subsidy.applications.workflow import COMMITTED, OPEN
from subsidy.database import Base


def _in(statuses: tuple[str, ...]) -> str:
    return "status IN (" + ",".join(f"'{s}'" for s in statuses) + ")"


class SubsidyApplication(UUIDPrimaryKey, Timestamps, Base):
    """An application for the money (or the record) of one decision, taken through review, approval and payment
    (subsidy.applications.workflow). The database keeps one application in progress, and one approved or paid, per
    beneficiary, type and year."""

    __tablename__ = "subsidy_application"
    __table_args__ = (
        Index(
            "uq_subsidy_application_open",
            "beneficiary_id",
            "subsidy_type",
            "year",
            unique=True,
            postgresql_where=text(_in(OPEN)),
        ),
        Index(
            "uq_subsidy_application_committed",
            "beneficiary_id",
            "subsidy_type",
            "year",
            unique=True,
            postgresql_where=text(_in(COMMITTED)),
        ),
        Index("ix_subsidy_application_year_status", "year", "subsidy_type", "jurisdiction_code", "status"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
    )

    decision_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subsidy_decision.id"), index=True)
    decision_version: Mapped[int] = mapped_column(Integer)
    year: Mapped[int] = mapped_column(Integer)
    subsidy_type: Mapped[str] = mapped_column(String(30))
    beneficiary_kind: Mapped[str] = mapped_column(String(10))
    beneficiary_id: Mapped[uuid.UUID] = mapped_column()
    jurisdiction_code: Mapped[str] = mapped_column(String(40))
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    status: Mapped[str] = mapped_column(String(20))
    notes: Mapped[str | None] = mapped_column(Text)
    submitted_by: Mapped[str] = mapped_column(String(255))
    row_version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"eager_defaults": True, "version_id_col": row_version}


class SubsidyApplicationStep(Base):
    """One step of an application's history, with who took it in which duty; only ever added."""

    __tablename__ = "subsidy_application_step"
    __table_args__ = (UniqueConstraint("application_id", "seq", name="uq_subsidy_application_step_seq"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subsidy_application.id"))
    seq: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(20))
    status_before: Mapped[str | None] = mapped_column(String(20))
    status_after: Mapped[str] = mapped_column(String(20))
    duty: Mapped[str] = mapped_column(String(20))
    actor_subject: Mapped[str] = mapped_column(String(255))
    actor_kind: Mapped[str] = mapped_column(String(10))
    actor_name: Mapped[str] = mapped_column(String(255))
    actor_department: Mapped[str | None] = mapped_column(String(40))
    actor_jurisdiction: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class SubsidyPayment(UUIDPrimaryKey, Base):
    """The payment of an approved application (or, for a type that pays no money, the tax office's grant). One per
    application and one per beneficiary, type and year: the database never lets anything be paid twice."""

    __tablename__ = "subsidy_payment"
    __table_args__ = (
        UniqueConstraint("application_id", name="uq_subsidy_payment_application_id"),
        UniqueConstraint("beneficiary_id", "subsidy_type", "year", name="uq_subsidy_payment_once"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
    )

    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subsidy_application.id"))
    year: Mapped[int] = mapped_column(Integer)
    subsidy_type: Mapped[str] = mapped_column(String(30))
    beneficiary_id: Mapped[uuid.UUID] = mapped_column()
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    paid_on: Mapped[date] = mapped_column(Date)
    voucher_number: Mapped[str] = mapped_column(String(100))
    recorded_by: Mapped[str] = mapped_column(String(255))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
