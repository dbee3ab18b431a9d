import uuid
from datetime import datetime

from sqlalchemy import ARRAY, DateTime, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from gateway.database import Base
from shared.db import Timestamps, UUIDPrimaryKey


class IntegrationClient(UUIDPrimaryKey, Timestamps, Base):
    """Another department's system, an employer's system or one of our own services (client credentials)."""

    __tablename__ = "integration_client"

    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    secret_hash: Mapped[str] = mapped_column(String(255))
    scopes: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    department: Mapped[str | None] = mapped_column(String(40))
    jurisdiction: Mapped[str | None] = mapped_column(String(40))
    employer_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    """An employer's own system: the placement service's id of that employer (token claim `emp`)."""
    is_service: Mapped[bool] = mapped_column(default=False)
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)
    token_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Access tokens carry it as claim `tv`; raising it revokes every token issued before (gateway.auth.status)."""
    tokens_revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)

    __mapper_args__ = {"version_id_col": version}
