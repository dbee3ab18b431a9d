"""job posts, referrals, placements with contracts, follow-ups

Revision ID: p0005
Revises: p0004
Create Date: 2026-11-29

`placement.site_id` names a placement site (placement_site) without a foreign key: that table did not exist when
this migration was written (p0004 was still a placeholder), so the application checks the id when a placement is
made (the site must exist and be run with the placement's employer).
"""

import sqlalchemy as sa
from alembic import op

from shared import migration_kit_v3 as kit3

revision = "p0005"
down_revision = "p0004"
branch_labels = None
depends_on = None

ROUTES = (
    "'centralised','dispersed','public_welfare_post','self_employment','flexible','government_guaranteed',"
    "'in_facility_production'"
)
PATTERNS = "'full_time','part_time','seasonal'"


def upgrade() -> None:
    op.create_table(
        "job_post",
        *kit3.uuid_key("job_post"),
        sa.Column("employer_id", sa.Uuid(), nullable=False),
        sa.Column("jurisdiction_code", sa.String(40), nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("sector", sa.String(60), nullable=False),
        sa.Column("headcount", sa.Integer(), nullable=False),
        sa.Column("filled", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("monthly_wage", sa.Numeric(10, 2), nullable=False),
        sa.Column("contract_type", sa.String(20), nullable=False),
        sa.Column("working_pattern", sa.String(20), nullable=False),
        sa.Column("light_work", sa.Boolean(), nullable=False),
        sa.Column("required_skills", sa.ARRAY(sa.String(50)), nullable=False),
        sa.Column("is_public_welfare", sa.Boolean(), nullable=False),
        sa.Column("funding_source", sa.String(100), nullable=True),
        sa.Column("opens_on", sa.Date(), nullable=False),
        sa.Column("closes_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        *kit3.versioned(),
        sa.ForeignKeyConstraint(["employer_id"], ["employer.id"], name="fk_job_post_employer_id_employer"),
        sa.CheckConstraint("headcount >= 1", name="ck_job_post_headcount_positive"),
        # The last line of defence of the headcount: the service fills places with a conditional UPDATE.
        sa.CheckConstraint("filled >= 0 AND filled <= headcount", name="ck_job_post_filled_within_headcount"),
        sa.CheckConstraint("monthly_wage >= 0", name="ck_job_post_monthly_wage_not_negative"),
        sa.CheckConstraint(
            "contract_type IN ('fixed_term','open_ended','task_based','part_time')", name="ck_job_post_contract_type"
        ),
        sa.CheckConstraint(f"working_pattern IN ({PATTERNS})", name="ck_job_post_working_pattern"),
        sa.CheckConstraint("status IN ('draft','open','closed','filled')", name="ck_job_post_status"),
        sa.CheckConstraint("closes_on IS NULL OR closes_on >= opens_on", name="ck_job_post_closes_after_opens"),
        sa.CheckConstraint(
            "NOT is_public_welfare OR funding_source IS NOT NULL", name="ck_job_post_public_welfare_funded"
        ),
    )
    kit3.create_column_indexes("job_post", "employer_id")
    op.create_index("ix_job_post_jurisdiction_code_status", "job_post", ["jurisdiction_code", "status"])

    op.create_table(
        "placement",
        *kit3.person_row("placement"),
        sa.Column("jurisdiction_code", sa.String(40), nullable=False),
        sa.Column("route", sa.String(30), nullable=False),
        sa.Column("employer_id", sa.Uuid(), nullable=True),
        sa.Column("site_id", sa.Uuid(), nullable=True, comment="placement_site id; checked by the application."),
        sa.Column("post_id", sa.Uuid(), nullable=True),
        sa.Column("working_pattern", sa.String(20), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("contract_number", sa.String(60), nullable=True),
        sa.Column("contract_signed_on", sa.Date(), nullable=True),
        sa.Column("contract_end_on", sa.Date(), nullable=True),
        sa.Column("contract_open_ended", sa.Boolean(), nullable=True),
        sa.Column("contract_term_months", sa.Integer(), nullable=True),
        sa.Column("monthly_wage", sa.Numeric(10, 2), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.String(20), nullable=True),
        *kit3.versioned(),
        sa.ForeignKeyConstraint(["employer_id"], ["employer.id"], name="fk_placement_employer_id_employer"),
        sa.ForeignKeyConstraint(["post_id"], ["job_post.id"], name="fk_placement_post_id_job_post"),
        sa.CheckConstraint(f"route IN ({ROUTES})", name="ck_placement_route"),
        sa.CheckConstraint(f"working_pattern IN ({PATTERNS})", name="ck_placement_working_pattern"),
        sa.CheckConstraint(
            "end_reason IS NULL OR end_reason IN "
            "('contract_ended','resigned','dismissed','relapse','custody','moved_away')",
            name="ck_placement_end_reason",
        ),
        sa.CheckConstraint("(ended_on IS NULL) = (end_reason IS NULL)", name="ck_placement_ended_with_reason"),
        sa.CheckConstraint("ended_on IS NULL OR ended_on >= start_on", name="ck_placement_ends_after_start"),
        # A contract is all there or not at all; a fixed-term one has an end, an open-ended one none.
        sa.CheckConstraint(
            "(contract_number IS NULL) = (contract_signed_on IS NULL) "
            "AND (contract_number IS NULL) = (contract_open_ended IS NULL) "
            "AND (contract_number IS NULL) = (monthly_wage IS NULL) "
            "AND (contract_open_ended IS NOT TRUE OR (contract_end_on IS NULL AND contract_term_months IS NULL)) "
            "AND (contract_open_ended IS NOT FALSE OR (contract_end_on IS NOT NULL AND contract_end_on >= start_on "
            "AND contract_term_months IS NOT NULL AND contract_term_months >= 0)) "
            "AND (contract_number IS NOT NULL OR (contract_end_on IS NULL AND contract_term_months IS NULL))",
            name="ck_placement_contract_complete",
        ),
    )
    kit3.create_column_indexes("placement", "person_id", "jurisdiction_code", "employer_id", "post_id")
    # One active full-time placement per person at a time.
    kit3.create_partial_unique_index(
        "uq_placement_person_id_active_full_time",
        "placement",
        ["person_id"],
        "ended_on IS NULL AND working_pattern = 'full_time'",
    )

    op.create_table(
        "placement_follow_up",
        *kit3.uuid_key("placement_follow_up"),
        sa.Column("placement_id", sa.Uuid(), nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("still_working", sa.Boolean(), nullable=True),
        sa.Column("recorded_by", sa.String(255), nullable=True),
        *kit3.versioned(),
        sa.ForeignKeyConstraint(
            ["placement_id"], ["placement.id"], name="fk_placement_follow_up_placement_id_placement"
        ),
        sa.UniqueConstraint("placement_id", "months", name="uq_placement_follow_up_placement_id"),
        sa.CheckConstraint("months IN (3, 6, 12)", name="ck_placement_follow_up_months"),
        sa.CheckConstraint("(done_on IS NULL) = (still_working IS NULL)", name="ck_placement_follow_up_done"),
    )
    kit3.create_column_indexes("placement_follow_up", "due_on")

    op.create_table(
        "referral",
        *kit3.person_row("referral"),
        sa.Column("jurisdiction_code", sa.String(40), nullable=False),
        sa.Column("post_id", sa.Uuid(), nullable=False),
        sa.Column("employer_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(15), nullable=False),
        sa.Column("decline_reason", sa.String(30), nullable=True),
        *kit3.versioned(),
        sa.ForeignKeyConstraint(["post_id"], ["job_post.id"], name="fk_referral_post_id_job_post"),
        sa.ForeignKeyConstraint(["employer_id"], ["employer.id"], name="fk_referral_employer_id_employer"),
        sa.CheckConstraint(
            "status IN ('recommended','interview','offer','hired','declined')", name="ck_referral_status"
        ),
        sa.CheckConstraint("(status = 'declined') = (decline_reason IS NOT NULL)", name="ck_referral_declined"),
    )
    kit3.create_column_indexes("referral", "person_id", "post_id", "jurisdiction_code")
    # A person is referred to a post once while the referral is undecided.
    kit3.create_partial_unique_index(
        "uq_referral_person_id_post_id_open", "referral", ["person_id", "post_id"], "status NOT IN ('hired','declined')"
    )

    op.create_table(
        "referral_step",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("from_status", sa.String(15), nullable=True),
        sa.Column("to_status", sa.String(15), nullable=False),
        sa.Column("reason", sa.String(30), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("by_subject", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_referral_step"),
        sa.ForeignKeyConstraint(["referral_id"], ["referral.id"], name="fk_referral_step_referral_id_referral"),
    )
    kit3.create_column_indexes("referral_step", "referral_id")


def downgrade() -> None:
    kit3.drop_tables("referral_step", "referral", "placement_follow_up", "placement", "job_post")
