import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from placement.database import Base
from shared.db import Timestamps, UUIDPrimaryKey


class Employer(UUIDPrimaryKey, Timestamps, Base):
    """An employer (用人单位) that hires or may hire people in community detox and rehabilitation. Whether it is a
    Qihang enterprise is not stored here: it follows from its designation history (EmployerDesignation)."""

    __tablename__ = "employer"

    name: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    unified_social_credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    jurisdiction_code: Mapped[str] = mapped_column(String(40), index=True)
    address: Mapped[str | None] = mapped_column(String(300))
    sector_code: Mapped[str | None] = mapped_column(String(1))
    contacts: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    version: Mapped[int] = mapped_column(Integer)

    # eager_defaults: the server-set timestamps come back with the INSERT (RETURNING), no lazy load later.
    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}


def _now() -> datetime:
    return datetime.now(UTC)


class EmployerDesignation(UUIDPrimaryKey, Base):
    """One step in an employer's Qihang designation history (启航工程企业认定): designated, suspended, revoked or
    reinstated, with its date and document. Rows are only ever added (the database refuses UPDATE and DELETE,
    migration p0004); `seq` numbers an employer's steps 1, 2, 3 ... and their dates never go backwards."""

    __tablename__ = "employer_designation"

    employer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("employer.id"))
    seq: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(20))
    status_after: Mapped[str] = mapped_column(String(20))
    effective_on: Mapped[date] = mapped_column(Date)
    document_number: Mapped[str | None] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
