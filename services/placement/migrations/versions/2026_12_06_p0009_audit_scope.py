"""audit trail scoped to the jurisdictions of the people it concerns, sealed in the background (placeholder)

Revision ID: p0009
Revises: p0008
Create Date: 2026-12-06
"""

revision = "p0009"
down_revision = "p0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # placeholder: filled in by the change named in the docstring


def downgrade() -> None:
    pass
