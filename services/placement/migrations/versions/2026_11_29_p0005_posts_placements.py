"""job posts, referrals, placements with contracts, follow-ups

Revision ID: p0005
Revises: p0004
Create Date: 2026-11-29
"""

revision = "p0005"
down_revision = "p0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # placeholder: filled in by the change that adds these tables


def downgrade() -> None:
    pass
