"""self-employment and loans, skills training, hand-over from facilities; the projection of the registry's feed

Revision ID: p0006
Revises: p0005
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

from shared import migration_kit_v1 as kit

revision = "p0006"
down_revision = "p0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The registry's feed, as far as placement needs it (codes and dates only).
    op.create_table(
        "registry_feed_cursor",
        sa.Column("feed", sa.String(40), nullable=False),
        sa.Column("cursor", sa.String(512), nullable=True),
        sa.Column("events_seen", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("feed", name="pk_registry_feed_cursor"),
    )
    op.create_table(
        "registry_person",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("jurisdiction_code", sa.String(40), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("work_ability", sa.String(20), nullable=True),
        sa.Column("birth_year", sa.SmallInteger(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("current_measure_kind", sa.String(30), nullable=True),
        sa.Column("eligible_for_placement", sa.Boolean(), nullable=False),
        sa.Column("derived_on", sa.Date(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("person_id", name="pk_registry_person"),
    )
    op.create_index("ix_registry_person_jurisdiction_code", "registry_person", ["jurisdiction_code"])
    op.create_table(
        "registry_measure",
        sa.Column("measure_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("planned_end_on", sa.Date(), nullable=True),
        sa.Column("actual_end_on", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.String(30), nullable=True),
        sa.Column("corrects_id", sa.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint("measure_id", name="pk_registry_measure"),
    )
    op.create_index("ix_registry_measure_person_id", "registry_measure", ["person_id"])

    # Hand-over from facilities (无缝对接).
    op.create_table(
        "handover",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("jurisdiction_code", sa.String(40), nullable=False),
        sa.Column("released_on", sa.Date(), nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("source_measure_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("close_reason", sa.String(30), nullable=True),
        sa.Column("placement_id", sa.Uuid(), nullable=True),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("closed_by", sa.String(255), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        *kit.timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_handover"),
        sa.UniqueConstraint("source_measure_id", name="uq_handover_source_measure_id"),
        sa.CheckConstraint("status IN ('pending','placed','closed')", name="ck_handover_status"),
        sa.CheckConstraint(
            "(status = 'pending') = (closed_on IS NULL AND close_reason IS NULL)", name="ck_handover_closed_fields"
        ),
        sa.CheckConstraint("(status = 'placed') = (close_reason = 'placed')", name="ck_handover_placed_reason"),
        sa.CheckConstraint("closed_on IS NULL OR closed_on >= released_on", name="ck_handover_closed_after_release"),
    )
    op.create_index("ix_handover_person_id", "handover", ["person_id"])
    op.create_index("ix_handover_jurisdiction_code", "handover", ["jurisdiction_code"])
    op.create_index(
        "uq_handover_pending_person",
        "handover",
        ["person_id"],
        unique=True,
        postgresql_where=sa.text("status = 'pending'"),
    )

    # Skills training (就业技能培训).
    op.create_table(
        "training_course",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("provider_kind", sa.String(30), nullable=False),
        sa.Column("provider_name", sa.String(200), nullable=False),
        sa.Column("skill", sa.String(100), nullable=False),
        sa.Column("hours", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        *kit.timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_training_course"),
        sa.CheckConstraint(
            "provider_kind IN ('human_resources','detox_facility','employer')", name="ck_training_course_provider_kind"
        ),
        sa.CheckConstraint("hours BETWEEN 1 AND 2000", name="ck_training_course_hours"),
    )
    op.create_table(
        "training_session",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=False),
        sa.Column("place", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        *kit.timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_training_session"),
        sa.ForeignKeyConstraint(
            ["course_id"], ["training_course.id"], name="fk_training_session_course_id_training_course"
        ),
        sa.CheckConstraint("end_on >= start_on", name="ck_training_session_dates"),
    )
    op.create_index("ix_training_session_course_id", "training_session", ["course_id"])
    op.create_index("ix_training_session_start_on", "training_session", ["start_on"])
    op.create_table(
        "training_enrolment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("jurisdiction_code", sa.String(40), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("certificate_number", sa.String(60), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        *kit.timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_training_enrolment"),
        sa.ForeignKeyConstraint(
            ["session_id"], ["training_session.id"], name="fk_training_enrolment_session_id_training_session"
        ),
        sa.UniqueConstraint("session_id", "person_id", name="uq_training_enrolment_session_person"),
        sa.CheckConstraint("status IN ('enrolled','completed','withdrawn')", name="ck_training_enrolment_status"),
        sa.CheckConstraint(
            "(status = 'completed') = (completed_on IS NOT NULL)", name="ck_training_enrolment_completed_on"
        ),
    )
    op.create_index("ix_training_enrolment_session_id", "training_enrolment", ["session_id"])
    op.create_index("ix_training_enrolment_person_id", "training_enrolment", ["person_id"])
    op.create_index("ix_training_enrolment_jurisdiction_code", "training_enrolment", ["jurisdiction_code"])

    # Self-employment (自主创业) and small guaranteed loans (小额担保贷款).
    op.create_table(
        "self_employment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("jurisdiction_code", sa.String(40), nullable=False),
        sa.Column("business_kind", sa.String(30), nullable=False),
        sa.Column("business_name", sa.String(200), nullable=False),
        sa.Column("licence_number", sa.String(50), nullable=True),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        *kit.timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_self_employment"),
        sa.CheckConstraint(
            "business_kind IN ('small_enterprise','workshop','shop','restaurant')",
            name="ck_self_employment_business_kind",
        ),
        sa.CheckConstraint("status IN ('active','ended')", name="ck_self_employment_status"),
        sa.CheckConstraint("(status = 'ended') = (end_on IS NOT NULL)", name="ck_self_employment_end_on"),
        sa.CheckConstraint("end_on IS NULL OR end_on >= start_on", name="ck_self_employment_dates"),
    )
    op.create_index("ix_self_employment_person_id", "self_employment", ["person_id"])
    op.create_index("ix_self_employment_jurisdiction_code", "self_employment", ["jurisdiction_code"])
    op.create_table(
        "guaranteed_loan",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("self_employment_id", sa.Uuid(), nullable=False),
        sa.Column("amount", sa.Numeric(12, 2), nullable=False),
        sa.Column("lender", sa.String(200), nullable=False),
        sa.Column("disbursed_on", sa.Date(), nullable=False),
        sa.Column("maturity_on", sa.Date(), nullable=False),
        sa.Column("annual_rate_percent", sa.Numeric(6, 4), nullable=False),
        *kit.timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_guaranteed_loan"),
        sa.ForeignKeyConstraint(
            ["self_employment_id"], ["self_employment.id"], name="fk_guaranteed_loan_self_employment_id_self_employment"
        ),
        sa.CheckConstraint("amount > 0", name="ck_guaranteed_loan_amount_positive"),
        sa.CheckConstraint("maturity_on > disbursed_on", name="ck_guaranteed_loan_dates"),
        sa.CheckConstraint("annual_rate_percent >= 0 AND annual_rate_percent < 100", name="ck_guaranteed_loan_rate"),
    )
    op.create_index("ix_guaranteed_loan_self_employment_id", "guaranteed_loan", ["self_employment_id"])


def downgrade() -> None:
    op.drop_index("ix_guaranteed_loan_self_employment_id", table_name="guaranteed_loan")
    op.drop_table("guaranteed_loan")
    op.drop_index("ix_self_employment_jurisdiction_code", table_name="self_employment")
    op.drop_index("ix_self_employment_person_id", table_name="self_employment")
    op.drop_table("self_employment")
    op.drop_index("ix_training_enrolment_jurisdiction_code", table_name="training_enrolment")
    op.drop_index("ix_training_enrolment_person_id", table_name="training_enrolment")
    op.drop_index("ix_training_enrolment_session_id", table_name="training_enrolment")
    op.drop_table("training_enrolment")
    op.drop_index("ix_training_session_start_on", table_name="training_session")
    op.drop_index("ix_training_session_course_id", table_name="training_session")
    op.drop_table("training_session")
    op.drop_table("training_course")
    op.drop_index("uq_handover_pending_person", table_name="handover")
    op.drop_index("ix_handover_jurisdiction_code", table_name="handover")
    op.drop_index("ix_handover_person_id", table_name="handover")
    op.drop_table("handover")
    op.drop_index("ix_registry_measure_person_id", table_name="registry_measure")
    op.drop_table("registry_measure")
    op.drop_index("ix_registry_person_jurisdiction_code", table_name="registry_person")
    op.drop_table("registry_person")
    op.drop_table("registry_feed_cursor")
