"""security: wrapped signing keys, token versions and forced password change (placeholder)

Revision ID: g0003
Revises: g0002
Create Date: 2026-12-06
"""

revision = "g0003"
down_revision = "g0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # placeholder: filled in by the change named in the docstring


def downgrade() -> None:
    pass
