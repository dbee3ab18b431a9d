"""employer details, Qihang designation history and placement sites

Revision ID: p0003
Revises: p0002
Create Date: 2026-11-29
"""

revision = "p0003"
down_revision = "p0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # placeholder: filled in by the change that adds these tables


def downgrade() -> None:
    pass
