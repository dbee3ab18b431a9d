"""outbox of registry events (shared.outbox), read as the feed at /api/v1/registry-events

Revision ID: r0006
Revises: r0005
Create Date: 2026-11-29
"""

from shared import migration_kit_v1 as kit

revision = "r0006"
down_revision = "r0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    kit.create_outbox()


def downgrade() -> None:
    kit.drop_outbox()
