"""audit_log: the placement service's append-only, hash-chained audit trail of reads and writes of personal data

Revision ID: p0003
Revises: p0002
Create Date: 2026-11-29
"""

from shared import migration_kit_v1 as kit

revision = "p0003"
down_revision = "p0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    kit.create_audit_log_v1()


def downgrade() -> None:
    kit.drop_audit_log_v1()
