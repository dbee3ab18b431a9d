import uuid
from datetime import date

from sqlalchemy import Date, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from placement.database import Base
from shared.db import Timestamps, UUIDPrimaryKey


class Handover(UUIDPrimaryKey, Timestamps, Base):
    """A person released from compulsory isolation (or a rehabilitation facility) waiting for placement (无缝对接):
    opened from the registry's feed, closed when the person is placed or for a coded reason."""

    __tablename__ = "handover"

    person_id: Mapped[uuid.UUID] = mapped_column(index=True)
    jurisdiction_code: Mapped[str] = mapped_column(String(40), index=True)
    released_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(40))
    source_measure_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    closed_on: Mapped[date | None] = mapped_column(Date)
    close_reason: Mapped[str | None] = mapped_column(String(30))
    placement_id: Mapped[uuid.UUID | None] = mapped_column()
    note: Mapped[str | None] = mapped_column(String(500))
    closed_by: Mapped[str | None] = mapped_column(String(255))
    version: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        # One waiting entry per person at a time.
        Index("uq_handover_pending_person", "person_id", unique=True, postgresql_where=text("status = 'pending'")),
    )
    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}
