"""transfers of a person between jurisdictions

Revision ID: r0007
Revises: r0006
Create Date: 2026-11-29
"""

revision = "r0007"
down_revision = "r0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # placeholder: filled in by the change that adds these tables


def downgrade() -> None:
    pass
