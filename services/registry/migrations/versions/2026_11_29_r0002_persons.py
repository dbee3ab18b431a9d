"""persons (ID numbers encrypted, keyed hash for lookup) and idempotency keys

Revision ID: r0002
Revises: r0001
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from shared import migration_kit_v1 as kit
from shared import migration_kit_v3 as kit3

revision = "r0002"
down_revision = "r0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "person",
        *kit3.uuid_key("person"),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("gender", sa.String(10), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("id_number_cipher", sa.LargeBinary(), nullable=False),
        sa.Column("id_number_hash", sa.String(64), nullable=False),
        sa.Column("id_number_masked", sa.String(18), nullable=False),
        sa.Column("ethnicity", sa.String(20), nullable=True),
        sa.Column("phone", sa.String(20), nullable=True),
        sa.Column("household_address", sa.String(200), nullable=True),
        sa.Column("residence_address", sa.String(200), nullable=True),
        sa.Column("jurisdiction_code", sa.String(40), nullable=False),
        sa.Column("education", sa.String(20), nullable=True),
        sa.Column("skills", postgresql.ARRAY(sa.String(50)), nullable=False, server_default="{}"),
        sa.Column("work_ability", sa.String(10), nullable=False),
        sa.Column("work_ability_reason", sa.String(200), nullable=True),
        sa.Column("guardian_name", sa.String(50), nullable=True),
        sa.Column("guardian_relation", sa.String(20), nullable=True),
        sa.Column("guardian_phone", sa.String(20), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("status", sa.String(10), nullable=False, server_default="active"),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("archive_reason", sa.String(200), nullable=True),
        *kit3.versioned("1"),
        sa.UniqueConstraint("id_number_hash", name="uq_person_id_number_hash"),
        sa.CheckConstraint("gender IN ('male','female')", name="ck_person_gender"),
        sa.CheckConstraint("work_ability IN ('able','partly','unable')", name="ck_person_work_ability"),
        sa.CheckConstraint("status IN ('active','archived')", name="ck_person_status"),
        sa.CheckConstraint("(status = 'archived') = (archived_at IS NOT NULL)", name="ck_person_archived_at"),
    )
    kit3.create_column_indexes("person", "jurisdiction_code")
    # The list's usual shape: a jurisdiction's active people by name, then by id for the cursor.
    op.create_index("ix_person_list", "person", ["jurisdiction_code", "status", "name", "id"])
    op.create_index("ix_person_name_birth_date", "person", ["name", "birth_date"])
    kit.create_idempotency_keys()


def downgrade() -> None:
    kit.drop_idempotency_keys()
    kit3.drop_tables("person")
