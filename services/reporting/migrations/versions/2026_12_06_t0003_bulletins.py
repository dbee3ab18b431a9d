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

revision = "t0003"
down_revision = "t0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bulletin",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(60), nullable=False),
        sa.Column("title_zh", sa.String(200), nullable=False),
        sa.Column("period_label", sa.String(20), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("published_by", sa.String(255), nullable=False),
        sa.Column("content", JSONB(), nullable=False),
        sa.Column("figures", JSONB(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_bulletin"),
    )
    op.create_index("ix_bulletin_period_end", "bulletin", ["period_end"])
    kit.create_idempotency_keys()


def downgrade() -> None:
    kit.drop_idempotency_keys()
    op.drop_index("ix_bulletin_period_end", table_name="bulletin")
    op.drop_table("bulletin")
