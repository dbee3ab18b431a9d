"""employers (用人单位) and the idempotency keys of creates

Revision ID: p0001
Revises:
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

from shared import migration_kit_v1 as kit
from shared import migration_kit_v3 as kit3

revision = "p0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "employer",
        *kit3.uuid_key("employer"),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("unified_social_credit_code", sa.String(18), nullable=True),
        sa.Column("is_qihang_enterprise", sa.Boolean(), nullable=False),
        sa.Column("jurisdiction_code", sa.String(40), nullable=False),
        sa.Column("address", sa.String(300), nullable=True),
        sa.Column("contact_name", sa.String(60), nullable=True),
        sa.Column("contact_phone", sa.String(30), nullable=True),
        *kit3.versioned(),
        sa.UniqueConstraint("unified_social_credit_code", name="uq_employer_unified_social_credit_code"),
        sa.CheckConstraint("kind IN ('enterprise','individual_business','private_owner')", name="ck_employer_kind"),
        sa.CheckConstraint("char_length(name) >= 1", name="ck_employer_name_not_empty"),
        sa.CheckConstraint(
            "unified_social_credit_code ~ '^[0-9A-Z]{18}$'", name="ck_employer_unified_social_credit_code_format"
        ),
    )
    kit3.create_column_indexes("employer", "name", "jurisdiction_code")

    kit.create_idempotency_keys()


def downgrade() -> None:
    kit.drop_idempotency_keys()
    kit3.drop_tables("employer")
