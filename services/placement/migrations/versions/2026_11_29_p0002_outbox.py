"""outbox of placement events (shared.outbox), read as the feed at /api/v1/placement-events

Revision ID: p0002
Revises: p0001
Create Date: 2026-11-29
"""

from shared import migration_kit_v1 as kit

revision = "p0002"
down_revision = "p0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    kit.create_outbox()


def downgrade() -> None:
    kit.drop_outbox()
