"""integration_client.employer_id: an employer's own system, limited to that employer (token claim emp)

Revision ID: g0002
Revises: g0001
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "g0002"
down_revision = "g0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "integration_client",
        sa.Column("employer_id", sa.Uuid(), nullable=True, comment="placement's employer id; NULL: not an employer"),
    )
    # An employer's system is no department's and none of the platform's own services.
    op.create_check_constraint(
        op.f("ck_integration_client_employer_no_department"),
        "integration_client",
        "employer_id IS NULL OR (department IS NULL AND jurisdiction IS NULL AND NOT is_service)",
    )
    op.create_index("ix_integration_client_employer_id", "integration_client", ["employer_id"])


def downgrade() -> None:
    op.drop_index("ix_integration_client_employer_id", table_name="integration_client")
    op.drop_constraint(op.f("ck_integration_client_employer_no_department"), "integration_client", type_="check")
    op.drop_column("integration_client", "employer_id")
