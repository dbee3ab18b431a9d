"""subsidy's audit trail, the same shape as the registry's (placeholder)

Revision ID: s0002
Revises: s0001
Create Date: 2026-12-06
"""

revision = "s0002"
down_revision = "s0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # placeholder: filled in by the change named in the docstring


def downgrade() -> None:
    pass
