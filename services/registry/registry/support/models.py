import uuid
from datetime import date

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from registry.database import Base
from shared.db import Timestamps, UUIDPrimaryKey


class SupportMember(UUIDPrimaryKey, Timestamps, Base):
    """A member of a person's support team (帮扶小组). A member leaves by getting `to_on`; rows are never deleted."""

    __tablename__ = "support_member"

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    role: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(20))
    organisation: Mapped[str | None] = mapped_column(String(100))
    from_on: Mapped[date] = mapped_column(Date)
    to_on: Mapped[date | None] = mapped_column(Date)


class SupportVisit(UUIDPrimaryKey, Timestamps, Base):
    """A visit or talk (走访 / 谈话) by a member of the person's support team."""

    __tablename__ = "support_visit"

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    visited_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("support_member.id"))
    notes: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(255))
