import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Integer, Numeric, String, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from reporting.database import Base


class AssessmentScheme(Base):
    """A configured, weighted assessment scheme (考核办法) for a year: which indicators score how many points, the
    pass mark, and the one-vote veto (一票否决) thresholds. Never edited once an assessment used it: make a new one."""

    __tablename__ = "assessment_scheme"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200))
    year: Mapped[int] = mapped_column(Integer)
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    """[{indicator_code, weight, veto_below}]: points for reaching the target, and a veto below a value."""
    pass_mark: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    created_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Assessment(Base):
    """The assessment of every jurisdiction for a year under one scheme: a draft until published, then frozen."""

    __tablename__ = "assessment"
    __table_args__ = (UniqueConstraint("year", "scheme_id", name="uq_assessment_year"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    year: Mapped[int] = mapped_column(Integer)
    scheme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("assessment_scheme.id"))
    status: Mapped[str] = mapped_column(String(10), default="draft")
    """draft or published."""
    results: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    """One entry per jurisdiction: item scores, total, veto (computed and overridden), passed."""
    overrides: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    """jurisdiction -> {veto, reason, by, at}: the NCO's manual decision on the one-vote veto."""
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    published_by: Mapped[str | None] = mapped_column(String(255))
    created_by: Mapped[str] = mapped_column(String(255))
    version: Mapped[int] = mapped_column(Integer, default=1)
