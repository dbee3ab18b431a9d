"""FROZEN, version 2: what the migrations written after migration_kit_v1 share, exactly as they were written.

Never edit it: tests/deploy/test_migrations_static.py pins its sha256, because migrations that have run import it.
A block that has to change, or a new one, goes into migration_kit_v3.py. Like a migration, it imports only alembic,
SQLAlchemy and the standard library, never live application code.
"""

import sqlalchemy as sa
from alembic import op

# --- webhook_subscription: pausing and secret rotation (shared.webhooks; p0012, r0013, s0006) ---


def add_webhook_pause_and_rotation() -> None:
    """`paused_at`: when an administrator paused deliveries (null: delivering); the position stays, so nothing is lost.
    `previous_secret_ciphertext` / `previous_secret_until`: after a rotation, the replaced secret (AES-GCM ciphertext)
    and until when it also signs deliveries."""
    op.add_column("webhook_subscription", sa.Column("previous_secret_ciphertext", sa.LargeBinary(), nullable=True))
    op.add_column("webhook_subscription", sa.Column("previous_secret_until", sa.DateTime(timezone=True), nullable=True))
    op.add_column("webhook_subscription", sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True))


def drop_webhook_pause_and_rotation() -> None:
    op.drop_column("webhook_subscription", "paused_at")
    op.drop_column("webhook_subscription", "previous_secret_until")
    op.drop_column("webhook_subscription", "previous_secret_ciphertext")
