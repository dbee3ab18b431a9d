from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from placement.database import Base
from shared.db import Timestamps, UUIDPrimaryKey


class Employer(UUIDPrimaryKey, Timestamps, Base):
    """An employer (用人单位) that hires or may hire people in community detox and rehabilitation."""

    __tablename__ = "employer"

    name: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    unified_social_credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    is_qihang_enterprise: Mapped[bool] = mapped_column(Boolean, default=False)
    jurisdiction_code: Mapped[str] = mapped_column(String(40), index=True)
    address: Mapped[str | None] = mapped_column(String(300))
    contact_name: Mapped[str | None] = mapped_column(String(60))
    contact_phone: Mapped[str | None] = mapped_column(String(30))
    version: Mapped[int] = mapped_column(Integer)

    # eager_defaults: the server-set timestamps come back with the INSERT (RETURNING), no lazy load later.
    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}
