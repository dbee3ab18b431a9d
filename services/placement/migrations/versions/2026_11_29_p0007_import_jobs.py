"""bulk import jobs (CSV/XLSX) of employers and placements, with their rows' outcomes

Revision ID: p0007
Revises: p0006
Create Date: 2026-11-29
"""

revision = "p0007"
down_revision = "p0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # placeholder: filled in by the change that adds these tables


def downgrade() -> None:
    pass
