"""bulk import jobs (CSV/XLSX) with their rows' outcomes

Revision ID: r0008
Revises: r0007
Create Date: 2026-11-29
"""

revision = "r0008"
down_revision = "r0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # placeholder: filled in by the change that adds these tables


def downgrade() -> None:
    pass
