"""webhook subscriptions can be paused and have their signing secret rotated with an overlap (shared.webhooks)

`paused_at`: when an administrator paused deliveries (null: delivering); the position stays, so nothing is lost.
`previous_secret_ciphertext` / `previous_secret_until`: after a rotation, the replaced secret (AES-GCM ciphertext)
and until when it also signs deliveries.

Revision ID: p0012
Revises: p0011
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "p0012"
down_revision = "p0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("webhook_subscription", sa.Column("previous_secret_ciphertext", sa.LargeBinary(), nullable=True))
    op.add_column("webhook_subscription", sa.Column("previous_secret_until", sa.DateTime(timezone=True), nullable=True))
    op.add_column("webhook_subscription", sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("webhook_subscription", "paused_at")
    op.drop_column("webhook_subscription", "previous_secret_until")
    op.drop_column("webhook_subscription", "previous_secret_ciphertext")
