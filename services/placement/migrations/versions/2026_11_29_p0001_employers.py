"""employers (用人单位) and the idempotency keys of creates

Revision ID: p0001
Revises:
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

from shared import migration_kit_v1 as kit

revision = "p0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "employer",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("unified_social_credit_code", sa.String(18), nullable=True),
        sa.Column("is_qihang_enterprise", sa.Boolean(), nullable=False),
        sa.Column("jurisdiction_code", sa.String(40), nullable=False),
        sa.Column("address", sa.String(300), nullable=True),
        sa.Column("contact_name", sa.String(60), nullable=True),
        sa.Column("contact_phone", sa.String(30), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_employer"),
        sa.UniqueConstraint("unified_social_credit_code", name="uq_employer_unified_social_credit_code"),
        sa.CheckConstraint("kind IN ('enterprise','individual_business','private_owner')", name="ck_employer_kind"),
        sa.CheckConstraint("char_length(name) >= 1", name="ck_employer_name_not_empty"),
        sa.CheckConstraint(
            "unified_social_credit_code ~ '^[0-9A-Z]{18}$'", name="ck_employer_unified_social_credit_code_format"
        ),
    )
    op.create_index("ix_employer_name", "employer", ["name"])
    op.create_index("ix_employer_jurisdiction_code", "employer", ["jurisdiction_code"])

    kit.create_idempotency_keys()


def downgrade() -> None:
    kit.drop_idempotency_keys()
    op.drop_index("ix_employer_jurisdiction_code", table_name="employer")
    op.drop_index("ix_employer_name", table_name="employer")
    op.drop_table("employer")
