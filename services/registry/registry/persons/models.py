from datetime import date, datetime

from sqlalchemy import ARRAY, Date, DateTime, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from registry.database import Base
from shared.db import Timestamps, UUIDPrimaryKey


class Person(UUIDPrimaryKey, Timestamps, Base):
    """Someone in community detox (社区戒毒) or community rehabilitation (社区康复). Archived, never deleted."""

    __tablename__ = "person"

    name: Mapped[str] = mapped_column(String(50))
    gender: Mapped[str] = mapped_column(String(10))
    birth_date: Mapped[date] = mapped_column(Date)
    id_number_cipher: Mapped[bytes] = mapped_column(LargeBinary)
    id_number_hash: Mapped[str] = mapped_column(String(64), unique=True)
    id_number_masked: Mapped[str] = mapped_column(String(18))
    ethnicity: Mapped[str | None] = mapped_column(String(20))
    phone: Mapped[str | None] = mapped_column(String(20))
    household_address: Mapped[str | None] = mapped_column(String(200))
    residence_address: Mapped[str | None] = mapped_column(String(200))
    jurisdiction_code: Mapped[str] = mapped_column(String(40), index=True)
    education: Mapped[str | None] = mapped_column(String(20))
    skills: Mapped[list[str]] = mapped_column(ARRAY(String(50)), default=list)
    work_ability: Mapped[str] = mapped_column(String(10))
    work_ability_reason: Mapped[str | None] = mapped_column(String(200))
    work_ability_since: Mapped[date] = mapped_column(Date)
    """The day today's work ability applies from (a cache of the latest work_ability_change, like work_ability)."""
    guardian_name: Mapped[str | None] = mapped_column(String(50))
    guardian_relation: Mapped[str | None] = mapped_column(String(20))
    guardian_phone: Mapped[str | None] = mapped_column(String(20))
    notes: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="active")
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    archive_reason: Mapped[str | None] = mapped_column(String(200))
    registered_on: Mapped[date] = mapped_column(Date)
    """The day the person was entered on the register (back-dated entries allowed, never before birth)."""
    archived_on: Mapped[date | None] = mapped_column(Date)
    """Effective day of the standing off-register change that archived the record (a cache of register_change)."""
    archive_reason_code: Mapped[str | None] = mapped_column(String(30))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
