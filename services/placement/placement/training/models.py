import uuid
from datetime import date

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from placement.database import Base
from shared.db import Timestamps, UUIDPrimaryKey


class TrainingCourse(UUIDPrimaryKey, Timestamps, Base):
    """A skills-training course (就业技能培训) run by the employment service, a detox facility or an employer."""

    __tablename__ = "training_course"

    title: Mapped[str] = mapped_column(String(200))
    provider_kind: Mapped[str] = mapped_column(String(30))
    provider_name: Mapped[str] = mapped_column(String(200))
    skill: Mapped[str] = mapped_column(String(100))
    hours: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}


class TrainingSession(UUIDPrimaryKey, Timestamps, Base):
    """One run of a course: dates and place."""

    __tablename__ = "training_session"

    course_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("training_course.id"), index=True)
    start_on: Mapped[date] = mapped_column(Date, index=True)
    end_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}


class TrainingEnrolment(UUIDPrimaryKey, Timestamps, Base):
    """A person on a session; completed with the completion date and, where one is issued, a certificate number."""

    __tablename__ = "training_enrolment"

    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("training_session.id"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(index=True)
    jurisdiction_code: Mapped[str] = mapped_column(String(40), index=True)
    status: Mapped[str] = mapped_column(String(20), default="enrolled")
    completed_on: Mapped[date | None] = mapped_column(Date)
    certificate_number: Mapped[str | None] = mapped_column(String(60))
    version: Mapped[int] = mapped_column(Integer)

    __table_args__ = (UniqueConstraint("session_id", "person_id", name="uq_training_enrolment_session_person"),)
    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}
