"""bulk import jobs (CSV/XLSX) with their rows' outcomes

Revision ID: r0008
Revises: r0007
Create Date: 2026-11-29
"""

from shared import migration_kit_v1 as kit

revision = "r0008"
down_revision = "r0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    kit.create_import_jobs(kind_comment="What is imported, e.g. person.")


def downgrade() -> None:
    kit.drop_import_jobs()
