"""bulk import jobs (CSV/XLSX) of employers and placements, with their rows' outcomes

Revision ID: p0007
Revises: p0006
Create Date: 2026-11-29
"""

from shared import migration_kit_v1 as kit

revision = "p0007"
down_revision = "p0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    kit.create_import_jobs(kind_comment="What is imported: employer or placement.")


def downgrade() -> None:
    kit.drop_import_jobs()
