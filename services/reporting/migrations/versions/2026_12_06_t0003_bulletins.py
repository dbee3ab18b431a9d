"""published bulletins (通报) with their frozen figures, and the Idempotency-Key store of reporting's creates

Nothing to fill: no bulletin existed before.

Revision ID: t0003
Revises: t0002
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from shared import migration_kit_v1 as kit
from shared import migration_kit_v3 as kit3

revision = "t0003"
down_revision = "t0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bulletin",
        *kit3.uuid_key("bulletin"),
        sa.Column("number", sa.String(60), nullable=False),
        sa.Column("title_zh", sa.String(200), nullable=False),
        sa.Column("period_label", sa.String(20), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("published_by", sa.String(255), nullable=False),
        sa.Column("content", JSONB(), nullable=False),
        sa.Column("figures", JSONB(), nullable=False),
    )
    kit3.create_column_indexes("bulletin", "period_end")
    kit.create_idempotency_keys()


def downgrade() -> None:
    kit.drop_idempotency_keys()
    kit3.drop_tables("bulletin")
