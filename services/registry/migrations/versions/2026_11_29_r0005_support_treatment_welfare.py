"""support teams and visits, treatment (voluntary detox agreements, methadone, counselling), welfare and relief

Revision ID: r0005
Revises: r0004
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

from shared import migration_kit_v1 as kit
from shared import migration_kit_v3 as kit3

revision = "r0005"
down_revision = "r0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "support_member",
        *kit3.person_row("support_member", references_person=True),
        sa.Column("role", sa.String(30), nullable=False),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("phone", sa.String(20), nullable=True),
        sa.Column("organisation", sa.String(100), nullable=True),
        sa.Column("from_on", sa.Date(), nullable=False),
        sa.Column("to_on", sa.Date(), nullable=True),
        *kit.timestamps(),
        sa.CheckConstraint(
            "role IN ('drug_control_worker','community_police','guardian','volunteer','other')",
            name="ck_support_member_role",
        ),
        sa.CheckConstraint("to_on IS NULL OR to_on >= from_on", name="ck_support_member_dates"),
    )
    kit3.create_person_history_index("support_member", "from_on")
    op.create_table(
        "support_visit",
        *kit3.person_row("support_visit", references_person=True),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(255), nullable=False),
        *kit.timestamps(),
        sa.ForeignKeyConstraint(["member_id"], ["support_member.id"], name="fk_support_visit_member_id_support_member"),
        sa.CheckConstraint(
            "kind IN ('home_visit','talk','phone_call','counselling','other')", name="ck_support_visit_kind"
        ),
    )
    # The visits page: one person's, newest first.
    kit3.create_person_history_index("support_visit", "visited_on")

    op.create_table(
        "treatment_agreement",
        *kit3.person_row("treatment_agreement", references_person=True),
        sa.Column("institution", sa.String(100), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=True),
        sa.Column("guardian_signed", sa.Boolean(), nullable=False),
        *kit.timestamps(),
        sa.CheckConstraint(
            "start_on >= signed_on AND (end_on IS NULL OR end_on >= start_on)", name="ck_treatment_agreement_dates"
        ),
    )
    kit3.create_person_history_index("treatment_agreement", "signed_on")
    op.create_table(
        "treatment_methadone",
        *kit3.person_row("treatment_methadone", references_person=True),
        sa.Column("clinic", sa.String(100), nullable=False),
        sa.Column("enrolled_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.String(30), nullable=True),
        *kit.timestamps(),
        sa.CheckConstraint("(ended_on IS NULL) = (end_reason IS NULL)", name="ck_treatment_methadone_end"),
        sa.CheckConstraint("ended_on IS NULL OR ended_on >= enrolled_on", name="ck_treatment_methadone_dates"),
    )
    kit3.create_person_history_index("treatment_methadone", "enrolled_on")
    # At most one open enrolment per person.
    kit3.create_partial_unique_index(
        "uq_treatment_methadone_open", "treatment_methadone", ["person_id"], "ended_on IS NULL"
    )
    op.create_table(
        "treatment_counselling",
        *kit3.person_row("treatment_counselling", references_person=True),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("provider", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(255), nullable=False),
        *kit.timestamps(),
        sa.CheckConstraint("kind IN ('psychological','medical','group')", name="ck_treatment_counselling_kind"),
    )
    kit3.create_person_history_index("treatment_counselling", "held_on")

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
        *kit3.versioned("1"),
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
        *kit3.person_row("welfare_relief", references_person=True),
        sa.Column("granted_on", sa.Date(), nullable=False),
        sa.Column("amount_cny", sa.Numeric(10, 2), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("recorded_by", sa.String(255), nullable=False),
        *kit.timestamps(),
        sa.CheckConstraint("amount_cny > 0", name="ck_welfare_relief_amount"),
    )
    kit3.create_person_history_index("welfare_relief", "granted_on")


def downgrade() -> None:
    kit3.drop_tables(
        "welfare_relief",
        "welfare_record",
        "treatment_counselling",
        "treatment_methadone",
        "treatment_agreement",
        "support_visit",
        "support_member",
    )
