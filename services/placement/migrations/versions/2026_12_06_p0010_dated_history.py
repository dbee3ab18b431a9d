"""dated history: placements ended by registry events, eligibility on the contract's start date (placeholder)

Revision ID: p0010
Revises: p0009
Create Date: 2026-12-06
"""

revision = "p0010"
down_revision = "p0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # placeholder: filled in by the change named in the docstring


def downgrade() -> None:
    pass
