import uuid

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from registry.database import Base
from shared.db import Timestamps, UUIDPrimaryKey


class Jurisdiction(UUIDPrimaryKey, Timestamps, Base):
    """A county or one of its towns, townships and management zones (a tree, so other counties can be added)."""

    __tablename__ = "jurisdiction"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(60))
    name_en: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(30))
    division_code: Mapped[str | None] = mapped_column(String(12))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("jurisdiction.id"), index=True)
