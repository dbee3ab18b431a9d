"""webhook subscriptions to the registry's events and their delivery log (shared.webhooks)

`webhook_subscription`: a department system's target URL, the kinds it receives, its signing secret (AES-GCM
ciphertext, never the secret), its position in the event feed and the retry schedule of the event due.
`webhook_delivery`: one row per attempt (status code, error, duration, next attempt), never a payload.

Revision ID: r0012
Revises: r0011
Create Date: 2026-12-07
"""

from shared import migration_kit_v1 as kit

revision = "r0012"
down_revision = "r0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    kit.create_webhooks()


def downgrade() -> None:
    kit.drop_webhooks()
