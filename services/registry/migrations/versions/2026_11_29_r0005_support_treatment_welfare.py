"""support teams and visits, treatment (voluntary detox agreements, methadone, counselling), welfare and relief

Revision ID: r0005
Revises: r0004
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

from shared import migration_kit_v1 as kit

revision = "r0005"
down_revision = "r0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "support_member",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(30), nullable=False),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("phone", sa.String(20), nullable=True),
        sa.Column("organisation", sa.String(100), nullable=True),
        sa.Column("from_on", sa.Date(), nullable=False),
        sa.Column("to_on", sa.Date(), nullable=True),
        *kit.timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_support_member"),
        kit.person_fk("support_member"),
        sa.CheckConstraint(
            "role IN ('drug_control_worker','community_police','guardian','volunteer','other')",
            name="ck_support_member_role",
        ),
        sa.CheckConstraint("to_on IS NULL OR to_on >= from_on", name="ck_support_member_dates"),
    )
    op.create_index("ix_support_member_person_id", "support_member", ["person_id", "from_on", "id"])
    op.create_table(
        "support_visit",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(255), nullable=False),
        *kit.timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_support_visit"),
        kit.person_fk("support_visit"),
        sa.ForeignKeyConstraint(["member_id"], ["support_member.id"], name="fk_support_visit_member_id_support_member"),
        sa.CheckConstraint(
            "kind IN ('home_visit','talk','phone_call','counselling','other')", name="ck_support_visit_kind"
        ),
    )
    # The visits page: one person's, newest first.
    op.create_index("ix_support_visit_person_id", "support_visit", ["person_id", "visited_on", "id"])

    op.create_table(
        "treatment_agreement",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("institution", sa.String(100), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=True),
        sa.Column("guardian_signed", sa.Boolean(), nullable=False),
        *kit.timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_treatment_agreement"),
        kit.person_fk("treatment_agreement"),
        sa.CheckConstraint(
            "start_on >= signed_on AND (end_on IS NULL OR end_on >= start_on)", name="ck_treatment_agreement_dates"
        ),
    )
    op.create_index("ix_treatment_agreement_person_id", "treatment_agreement", ["person_id", "signed_on", "id"])
    op.create_table(
        "treatment_methadone",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("clinic", sa.String(100), nullable=False),
        sa.Column("enrolled_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.String(30), nullable=True),
        *kit.timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_treatment_methadone"),
        kit.person_fk("treatment_methadone"),
        sa.CheckConstraint("(ended_on IS NULL) = (end_reason IS NULL)", name="ck_treatment_methadone_end"),
        sa.CheckConstraint("ended_on IS NULL OR ended_on >= enrolled_on", name="ck_treatment_methadone_dates"),
    )
    op.create_index("ix_treatment_methadone_person_id", "treatment_methadone", ["person_id", "enrolled_on", "id"])
    # At most one open enrolment per person.
    op.create_index(
        "uq_treatment_methadone_open",
        "treatment_methadone",
        ["person_id"],
        unique=True,
        postgresql_where=sa.text("ended_on IS NULL"),
    )
    op.create_table(
        "treatment_counselling",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("provider", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(255), nullable=False),
        *kit.timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_treatment_counselling"),
        kit.person_fk("treatment_counselling"),
        sa.CheckConstraint("kind IN ('psychological','medical','group')", name="ck_treatment_counselling_kind"),
    )
    op.create_index("ix_treatment_counselling_person_id", "treatment_counselling", ["person_id", "held_on", "id"])

    op.create_table(
        "welfare_record",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("mlg_status", sa.String(10), nullable=False, server_default="none"),
        sa.Column("mlg_since", sa.Date(), nullable=True),
        sa.Column("mlg_amount_cny", sa.Numeric(10, 2), nullable=True),
        sa.Column("medical_insurance", sa.String(30), nullable=True),
        sa.Column("disability_grade", sa.SmallInteger(), nullable=True),
        sa.Column("disability_certificate_number", sa.String(30), nullable=True),
        sa.Column("employment_certificate_number", sa.String(30), nullable=True),
        sa.Column("employment_certificate_issued_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        *kit.timestamps(),
        sa.PrimaryKeyConstraint("person_id", name="pk_welfare_record"),
        kit.person_fk("welfare_record"),
        sa.CheckConstraint("mlg_status IN ('none','applied','granted','ended')", name="ck_welfare_record_mlg_status"),
        sa.CheckConstraint("mlg_amount_cny IS NULL OR mlg_amount_cny >= 0", name="ck_welfare_record_mlg_amount"),
        sa.CheckConstraint(
            "medical_insurance IS NULL OR medical_insurance IN ('urban_resident','new_rural_cooperative','employee',"
            "'none')",
            name="ck_welfare_record_medical_insurance",
        ),
        sa.CheckConstraint(
            "(disability_grade IS NULL AND disability_certificate_number IS NULL) OR "
            "(disability_grade BETWEEN 1 AND 4 AND disability_certificate_number IS NOT NULL)",
            name="ck_welfare_record_disability",
        ),
        sa.CheckConstraint(
            "(employment_certificate_number IS NULL) = (employment_certificate_issued_on IS NULL)",
            name="ck_welfare_record_employment_certificate",
        ),
    )
    op.create_table(
        "welfare_relief",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("granted_on", sa.Date(), nullable=False),
        sa.Column("amount_cny", sa.Numeric(10, 2), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("recorded_by", sa.String(255), nullable=False),
        *kit.timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_welfare_relief"),
        kit.person_fk("welfare_relief"),
        sa.CheckConstraint("amount_cny > 0", name="ck_welfare_relief_amount"),
    )
    op.create_index("ix_welfare_relief_person_id", "welfare_relief", ["person_id", "granted_on", "id"])


def downgrade() -> None:
    op.drop_index("ix_welfare_relief_person_id", table_name="welfare_relief")
    op.drop_table("welfare_relief")
    op.drop_table("welfare_record")
    op.drop_index("ix_treatment_counselling_person_id", table_name="treatment_counselling")
    op.drop_table("treatment_counselling")
    op.drop_index("uq_treatment_methadone_open", table_name="treatment_methadone")
    op.drop_index("ix_treatment_methadone_person_id", table_name="treatment_methadone")
    op.drop_table("treatment_methadone")
    op.drop_index("ix_treatment_agreement_person_id", table_name="treatment_agreement")
    op.drop_table("treatment_agreement")
    op.drop_index("ix_support_visit_person_id", table_name="support_visit")
    op.drop_table("support_visit")
    op.drop_index("ix_support_member_person_id", table_name="support_member")
    op.drop_table("support_member")
