from datetime import datetime

from sqlalchemy import ARRAY, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from gateway.database import Base
from shared.db import Timestamps, UUIDPrimaryKey


class User(UUIDPrimaryKey, Timestamps, Base):
    """A staff member of a county department or a township office."""

    __tablename__ = "user_account"

    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    roles: Mapped[list[str]] = mapped_column(ARRAY(String(32)))
    department: Mapped[str] = mapped_column(String(40))
    jurisdiction: Mapped[str | None] = mapped_column(String(40))
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    must_change_password: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    token_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Access tokens carry it as claim `tv`; raising it revokes every token issued before (gateway.auth.status)."""
    tokens_revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)

    __mapper_args__ = {"version_id_col": version}
