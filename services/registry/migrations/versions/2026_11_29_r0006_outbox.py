"""outbox of registry events (shared.outbox), read as the feed at /api/v1/registry-events

Revision ID: r0006
Revises: r0005
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "r0006"
down_revision = "r0005"
branch_labels = None
depends_on = None


class _Xid8(sa.types.UserDefinedType):
    """PostgreSQL's 64-bit transaction id; declared here so the migration does not import application code."""

    cache_ok = True

    def get_col_spec(self, **kw):
        return "xid8"


def upgrade() -> None:
    op.create_table(
        "outbox_event",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("txid", _Xid8(), server_default=sa.text("pg_current_xact_id()"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("kind", sa.String(100), nullable=False),
        sa.Column("aggregate_type", sa.String(60), nullable=False),
        sa.Column("aggregate_id", sa.Uuid(), nullable=False),
        sa.Column("data", postgresql.JSONB(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_outbox_event"),
    )
    op.create_index("ix_outbox_event_txid_id", "outbox_event", ["txid", "id"])


def downgrade() -> None:
    op.drop_index("ix_outbox_event_txid_id", table_name="outbox_event")
    op.drop_table("outbox_event")
