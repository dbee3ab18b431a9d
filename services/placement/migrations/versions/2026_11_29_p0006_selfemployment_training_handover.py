"""self-employment and loans, skills training, hand-over from facilities

Revision ID: p0006
Revises: p0005
Create Date: 2026-11-29
"""

revision = "p0006"
down_revision = "p0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # placeholder: filled in by the change that adds these tables


def downgrade() -> None:
    pass
