import uuid
from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reporting.database import Base


class CorrectiveAction(Base):
    """A corrective action a supervision visit requires of the jurisdiction, by a due date."""

    __tablename__ = "corrective_action"
    __table_args__ = (Index("ix_corrective_action_status_due_on", "status", "due_on"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    visit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("supervision_visit.id"), index=True)
    jurisdiction_code: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="open")
    done_on: Mapped[date | None] = mapped_column(Date)
    progress_note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)


class SupervisionVisit(Base):
    """A supervision visit (督导) to a jurisdiction: who inspected, what they found, what must be corrected."""

    __tablename__ = "supervision_visit"
    __table_args__ = (Index("ix_supervision_visit_jurisdiction_code_visited_on", "jurisdiction_code", "visited_on"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    visited_on: Mapped[date] = mapped_column(Date)
    jurisdiction_code: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(10))
    """regular, surprise or paired (结对督导)."""
    inspectors: Mapped[list[str]] = mapped_column(JSONB)
    findings: Mapped[list[str]] = mapped_column(JSONB)
    created_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actions: Mapped[list[CorrectiveAction]] = relationship(
        lazy="selectin", order_by=(CorrectiveAction.due_on, CorrectiveAction.id)
    )


class ActionItem(Base):
    """An action item a joint meeting assigns to a unit (a department, or a township), by a due date."""

    __tablename__ = "action_item"
    __table_args__ = (Index("ix_action_item_status_due_on", "status", "due_on"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("joint_meeting.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    owner_department: Mapped[str] = mapped_column(String(40))
    owner_jurisdiction: Mapped[str | None] = mapped_column(String(40))
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="open")
    done_on: Mapped[date | None] = mapped_column(Date)
    progress_note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)


class JointMeeting(Base):
    """A joint meeting (联席会议): units present, decisions, and action items with owners and due dates."""

    __tablename__ = "joint_meeting"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    held_on: Mapped[date] = mapped_column(Date, index=True)
    title: Mapped[str] = mapped_column(String(200))
    units_present: Mapped[list[str]] = mapped_column(JSONB)
    decisions: Mapped[list[str]] = mapped_column(JSONB)
    created_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    items: Mapped[list[ActionItem]] = relationship(lazy="selectin", order_by=(ActionItem.due_on, ActionItem.id))
