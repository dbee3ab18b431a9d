"""webhook subscriptions to placement events and their delivery log (shared.webhooks)

`webhook_subscription`: a department system's target URL, the kinds it receives, its signing secret (AES-GCM
ciphertext, never the secret), its position in the event feed and the retry schedule of the event due.
`webhook_delivery`: one row per attempt (status code, error, duration, next attempt), never a payload.

Revision ID: p0011
Revises: p0010
Create Date: 2026-12-07
"""

from shared import migration_kit_v1 as kit

revision = "p0011"
down_revision = "p0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    kit.create_webhooks()


def downgrade() -> None:
    kit.drop_webhooks()
