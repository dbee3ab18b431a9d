"""audit trail scoped to the jurisdictions of the people it concerns, sealed in the background (placeholder)

Revision ID: r0010
Revises: r0009
Create Date: 2026-12-06
"""

revision = "r0010"
down_revision = "r0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # placeholder: filled in by the change named in the docstring


def downgrade() -> None:
    pass
