"""audit_log: the append-only, hash-chained audit trail of reads and writes of people's records

Revision ID: r0003
Revises: r0002
Create Date: 2026-11-29
"""

from shared import migration_kit_v1 as kit

revision = "r0003"
down_revision = "r0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    kit.create_audit_log_v1()


def downgrade() -> None:
    kit.drop_audit_log_v1()
