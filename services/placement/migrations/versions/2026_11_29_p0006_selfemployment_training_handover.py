"""self-employment and loans, skills training, hand-over from facilities; the projection of the registry's feed

Revision ID: p0006
Revises: p0005
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

from shared import migration_kit_v1 as kit
from shared import migration_kit_v3 as kit3

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
    kit3.create_column_indexes("registry_person", "jurisdiction_code")
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
    kit3.create_column_indexes("registry_measure", "person_id")

    # Hand-over from facilities (无缝对接).
    op.create_table(
        "handover",
        *kit3.person_row("handover"),
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
        *kit3.versioned(),
        sa.UniqueConstraint("source_measure_id", name="uq_handover_source_measure_id"),
        sa.CheckConstraint("status IN ('pending','placed','closed')", name="ck_handover_status"),
        sa.CheckConstraint(
            "(status = 'pending') = (closed_on IS NULL AND close_reason IS NULL)", name="ck_handover_closed_fields"
        ),
        sa.CheckConstraint("(status = 'placed') = (close_reason = 'placed')", name="ck_handover_placed_reason"),
        sa.CheckConstraint("closed_on IS NULL OR closed_on >= released_on", name="ck_handover_closed_after_release"),
    )
    kit3.create_column_indexes("handover", "person_id", "jurisdiction_code")
    kit3.create_partial_unique_index("uq_handover_pending_person", "handover", ["person_id"], "status = 'pending'")

    # Skills training (就业技能培训).
    op.create_table(
        "training_course",
        *kit3.uuid_key("training_course"),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("provider_kind", sa.String(30), nullable=False),
        sa.Column("provider_name", sa.String(200), nullable=False),
        sa.Column("skill", sa.String(100), nullable=False),
        sa.Column("hours", sa.Integer(), nullable=False),
        *kit3.versioned(),
        sa.CheckConstraint(
            "provider_kind IN ('human_resources','detox_facility','employer')", name="ck_training_course_provider_kind"
        ),
        sa.CheckConstraint("hours BETWEEN 1 AND 2000", name="ck_training_course_hours"),
    )
    op.create_table(
        "training_session",
        *kit3.uuid_key("training_session"),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=False),
        sa.Column("place", sa.String(200), nullable=False),
        *kit3.versioned(),
        sa.ForeignKeyConstraint(
            ["course_id"], ["training_course.id"], name="fk_training_session_course_id_training_course"
        ),
        sa.CheckConstraint("end_on >= start_on", name="ck_training_session_dates"),
    )
    kit3.create_column_indexes("training_session", "course_id", "start_on")
    op.create_table(
        "training_enrolment",
        *kit3.uuid_key("training_enrolment"),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("jurisdiction_code", sa.String(40), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("certificate_number", sa.String(60), nullable=True),
        *kit3.versioned(),
        sa.ForeignKeyConstraint(
            ["session_id"], ["training_session.id"], name="fk_training_enrolment_session_id_training_session"
        ),
        sa.UniqueConstraint("session_id", "person_id", name="uq_training_enrolment_session_person"),
        sa.CheckConstraint("status IN ('enrolled','completed','withdrawn')", name="ck_training_enrolment_status"),
        sa.CheckConstraint(
            "(status = 'completed') = (completed_on IS NOT NULL)", name="ck_training_enrolment_completed_on"
        ),
    )
    kit3.create_column_indexes("training_enrolment", "session_id", "person_id", "jurisdiction_code")

    # Self-employment (自主创业) and small guaranteed loans (小额担保贷款).
    op.create_table(
        "self_employment",
        *kit3.person_row("self_employment"),
        sa.Column("jurisdiction_code", sa.String(40), nullable=False),
        sa.Column("business_kind", sa.String(30), nullable=False),
        sa.Column("business_name", sa.String(200), nullable=False),
        sa.Column("licence_number", sa.String(50), nullable=True),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=True),
        *kit3.versioned(),
        sa.CheckConstraint(
            "business_kind IN ('small_enterprise','workshop','shop','restaurant')",
            name="ck_self_employment_business_kind",
        ),
        sa.CheckConstraint("status IN ('active','ended')", name="ck_self_employment_status"),
        sa.CheckConstraint("(status = 'ended') = (end_on IS NOT NULL)", name="ck_self_employment_end_on"),
        sa.CheckConstraint("end_on IS NULL OR end_on >= start_on", name="ck_self_employment_dates"),
    )
    kit3.create_column_indexes("self_employment", "person_id", "jurisdiction_code")
    op.create_table(
        "guaranteed_loan",
        *kit3.uuid_key("guaranteed_loan"),
        sa.Column("self_employment_id", sa.Uuid(), nullable=False),
        sa.Column("amount", sa.Numeric(12, 2), nullable=False),
        sa.Column("lender", sa.String(200), nullable=False),
        sa.Column("disbursed_on", sa.Date(), nullable=False),
        sa.Column("maturity_on", sa.Date(), nullable=False),
        sa.Column("annual_rate_percent", sa.Numeric(6, 4), nullable=False),
        *kit.timestamps(),
        sa.ForeignKeyConstraint(
            ["self_employment_id"], ["self_employment.id"], name="fk_guaranteed_loan_self_employment_id_self_employment"
        ),
        sa.CheckConstraint("amount > 0", name="ck_guaranteed_loan_amount_positive"),
        sa.CheckConstraint("maturity_on > disbursed_on", name="ck_guaranteed_loan_dates"),
        sa.CheckConstraint("annual_rate_percent >= 0 AND annual_rate_percent < 100", name="ck_guaranteed_loan_rate"),
    )
    kit3.create_column_indexes("guaranteed_loan", "self_employment_id")


def downgrade() -> None:
    kit3.drop_tables(
        "guaranteed_loan",
        "self_employment",
        "training_enrolment",
        "training_session",
        "training_course",
        "handover",
        "registry_measure",
        "registry_person",
        "registry_feed_cursor",
    )
