import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, DateTime, Index, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from reporting.database import Base


class Bulletin(Base):
    """A published bulletin (通报): its figures frozen when it was published, with what was known then. It is never
    recomputed: later data shows as revisions beside it, and its files are drawn from these frozen figures."""

    __tablename__ = "bulletin"
    __table_args__ = (Index("ix_bulletin_period_end", "period_end"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    number: Mapped[str] = mapped_column(String(60))
    """The bulletin's number as printed (e.g. 柳禁毒通〔2014〕1号)."""
    title_zh: Mapped[str] = mapped_column(String(200))
    period_label: Mapped[str] = mapped_column(String(20))
    period_end: Mapped[date] = mapped_column(Date)
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    published_by: Mapped[str] = mapped_column(String(255))
    content: Mapped[dict[str, Any]] = mapped_column(JSONB)
    """The published (suppressed) report and the trend: what every reader sees and what the files are drawn from."""
    figures: Mapped[dict[str, Any]] = mapped_column(JSONB)
    """The exact counts behind it (indicator -> jurisdiction -> [numerator, denominator]), kept to show revisions."""
