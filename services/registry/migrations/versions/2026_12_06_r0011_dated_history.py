"""dated history: registration date, off-register events, work-ability changes, custody and facility stays (placeholder)

Revision ID: r0011
Revises: r0010
Create Date: 2026-12-06
"""

revision = "r0011"
down_revision = "r0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # placeholder: filled in by the change named in the docstring


def downgrade() -> None:
    pass
