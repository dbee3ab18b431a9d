"""webhook subscriptions to subsidy events and their delivery log (shared.webhooks)

`webhook_subscription`: a department system's target URL, the kinds it receives, its signing secret (AES-GCM
ciphertext, never the secret), its position in the event feed and the retry schedule of the event due.
`webhook_delivery`: one row per attempt (status code, error, duration, next attempt), never a payload.

Revision ID: s0005
Revises: s0004
Create Date: 2026-12-07
"""

from shared import migration_kit_v1 as kit

revision = "s0005"
down_revision = "s0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    kit.create_webhooks()


def downgrade() -> None:
    kit.drop_webhooks()
