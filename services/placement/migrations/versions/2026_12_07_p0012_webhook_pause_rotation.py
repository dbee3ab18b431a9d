"""webhook subscriptions can be paused and have their signing secret rotated with an overlap (shared.webhooks)

`paused_at`: when an administrator paused deliveries (null: delivering); the position stays, so nothing is lost.
`previous_secret_ciphertext` / `previous_secret_until`: after a rotation, the replaced secret (AES-GCM ciphertext)
and until when it also signs deliveries.

Revision ID: p0012
Revises: p0011
Create Date: 2026-12-07
"""

from shared.migration_kit_v2 import add_webhook_pause_and_rotation, drop_webhook_pause_and_rotation

revision = "p0012"
down_revision = "p0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_webhook_pause_and_rotation()


def downgrade() -> None:
    drop_webhook_pause_and_rotation()
