"""employer details, Qihang designation history and placement sites

Revision ID: p0004
Revises: p0003
Create Date: 2026-11-29
"""

revision = "p0004"
down_revision = "p0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # placeholder: filled in by the change that adds these tables


def downgrade() -> None:
    pass
