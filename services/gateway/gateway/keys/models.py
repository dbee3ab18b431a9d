from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from gateway.database import Base


class SigningKey(Base):
    """An RS256 key pair. The newest unretired key signs; retired keys still verify until `retired_at` plus
    the overlap, so tokens signed just before a rotation keep working."""

    __tablename__ = "signing_key"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    private_key_pem: Mapped[str | None] = mapped_column(Text)
    """Only in databases from before the key-encryption key: the gateway wraps it at start-up and clears this."""
    wrapped_private_key: Mapped[str | None] = mapped_column(Text)
    """The private key encrypted with GATEWAY_KEY_ENCRYPTION_KEY (gateway.keys.wrapping)."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("num_nonnulls(private_key_pem, wrapped_private_key) = 1", name="one_private_key_form"),
    )
