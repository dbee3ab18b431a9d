"""budgets, decisions with frozen evidence, evaluations, applications with their steps and payments, and the outbox

New tables only, so nothing to fill: subsidy_budget (finance's money per year and type, with committed and paid held
within it by CHECKs), subsidy_decision (versions per beneficiary, type and year; one current) with
subsidy_decision_total (their sums per year, type, tier and jurisdiction, kept by evaluations), subsidy_evaluation
(background jobs, one unfinished per year), subsidy_application (one in progress and one approved or paid per
beneficiary, type and year, by partial unique indexes), subsidy_application_step (the history), subsidy_payment (one
per application and per beneficiary, type and year: never paid twice) and outbox_event (shared.outbox: the feed of
decisions, application steps and payments).

Revision ID: s0004
Revises: s0003
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from shared import migration_kit_v1 as kit
from shared import migration_kit_v3 as kit3

revision = "s0004"
down_revision = "s0003"
branch_labels = None
depends_on = None

OPEN = "status IN ('submitted','township_reviewed','nco_reviewed','returned')"
COMMITTED = "status IN ('approved','paid')"
STATUSES = "'submitted','township_reviewed','nco_reviewed','approved','paid','returned','rejected','withdrawn'"
TYPES = "'enterprise_placement','hiring','self_employment','post','social_insurance','loan_interest','tax_reduction'"


def upgrade() -> None:
    op.create_table(
        "subsidy_budget",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("subsidy_type", sa.String(30), nullable=False),
        sa.Column("amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("committed", sa.Numeric(14, 2), nullable=False),
        sa.Column("paid", sa.Numeric(14, 2), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("set_by", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", "subsidy_type", name=op.f("pk_subsidy_budget")),
        sa.CheckConstraint("amount >= 0 AND committed >= 0 AND paid >= 0", name=op.f("ck_subsidy_budget_not_negative")),
        sa.CheckConstraint("committed <= amount", name=op.f("ck_subsidy_budget_committed_within_budget")),
        sa.CheckConstraint("paid <= committed", name=op.f("ck_subsidy_budget_paid_within_committed")),
        sa.CheckConstraint(f"subsidy_type IN ({TYPES})", name=op.f("ck_subsidy_budget_type")),
    )

    op.create_table(
        "subsidy_decision",
        *kit3.uuid_key("subsidy_decision"),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("subsidy_type", sa.String(30), nullable=False),
        sa.Column("beneficiary_kind", sa.String(10), nullable=False),
        sa.Column("beneficiary_id", sa.Uuid(), nullable=False),
        sa.Column("jurisdiction_code", sa.String(40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("policy_id", sa.Uuid(), nullable=False),
        sa.Column("policy_version", sa.Integer(), nullable=False),
        sa.Column("qualifying_count", sa.Integer(), nullable=False),
        sa.Column("tier", sa.String(20), nullable=True),
        sa.Column("tier_label_zh", sa.String(40), nullable=True),
        sa.Column("amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("evidence", postgresql.JSONB(), nullable=False),
        sa.Column("evidence_hash", sa.String(64), nullable=False),
        sa.Column("difference", postgresql.JSONB(), nullable=True),
        sa.Column("evaluation_id", sa.Uuid(), nullable=True),
        sa.Column("decided_by", sa.String(255), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["policy_id"], ["subsidy_policy.id"], name=op.f("fk_subsidy_decision_policy_id_subsidy_policy")
        ),
        sa.UniqueConstraint("beneficiary_id", "subsidy_type", "year", "version", name="uq_subsidy_decision_version"),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_subsidy_decision_amount_not_negative")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_subsidy_decision_version_positive")),
        sa.CheckConstraint("beneficiary_kind IN ('employer','person')", name=op.f("ck_subsidy_decision_beneficiary")),
        sa.CheckConstraint(f"subsidy_type IN ({TYPES})", name=op.f("ck_subsidy_decision_type")),
    )
    kit3.create_partial_unique_index(
        "uq_subsidy_decision_current", "subsidy_decision", ["beneficiary_id", "subsidy_type", "year"], "is_current"
    )
    op.create_index(
        "ix_subsidy_decision_year_current",
        "subsidy_decision",
        ["year", "subsidy_type", "tier", "jurisdiction_code"],
        postgresql_where=sa.text("is_current"),
        postgresql_include=["amount", "qualifying_count"],
    )
    kit3.create_column_indexes("subsidy_decision", "evaluation_id")

    op.create_table(
        "subsidy_decision_total",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("subsidy_type", sa.String(30), nullable=False),
        sa.Column("tier", sa.String(20), nullable=True),
        sa.Column("jurisdiction_code", sa.String(40), nullable=False),
        sa.Column("decisions", sa.Integer(), nullable=False),
        sa.Column("paying", sa.Integer(), nullable=False),
        sa.Column("qualifying", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.Numeric(16, 2), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subsidy_decision_total")),
    )
    op.create_index(
        "uq_subsidy_decision_total_group",
        "subsidy_decision_total",
        ["year", "subsidy_type", sa.text("coalesce(tier, '')"), "jurisdiction_code"],
        unique=True,
    )

    op.create_table(
        "subsidy_evaluation",
        *kit3.uuid_key("subsidy_evaluation"),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.Uuid(), nullable=False),
        sa.Column("policy_version", sa.Integer(), nullable=False),
        sa.Column("subsidy_types", postgresql.ARRAY(sa.String(30)), nullable=False),
        sa.Column("employer_ids", postgresql.ARRAY(sa.Uuid()), nullable=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("phase", sa.String(12), nullable=False),
        sa.Column("total_employers", sa.Integer(), nullable=True),
        sa.Column("fetched_employers", sa.Integer(), nullable=False),
        sa.Column("beneficiaries", sa.Integer(), nullable=False),
        sa.Column("decisions_written", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("summary", postgresql.JSONB(), nullable=True),
        sa.Column("error_code", sa.String(60), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("owner_subject", sa.Text(), nullable=False),
        sa.Column("owner_kind", sa.String(10), nullable=False),
        sa.Column("owner_name", sa.Text(), nullable=False),
        sa.Column("owner_roles", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("owner_department", sa.String(40), nullable=True),
        sa.Column("owner_jurisdiction", sa.String(40), nullable=True),
        sa.Column("request_id", sa.String(128), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["policy_id"], ["subsidy_policy.id"], name=op.f("fk_subsidy_evaluation_policy_id_subsidy_policy")
        ),
        sa.CheckConstraint(
            "status IN ('queued','running','succeeded','failed','interrupted')",
            name=op.f("ck_subsidy_evaluation_status"),
        ),
        sa.CheckConstraint(
            "phase IN ('queued','fetching','deciding','done')", name=op.f("ck_subsidy_evaluation_phase")
        ),
    )
    kit3.create_partial_unique_index(
        "uq_subsidy_evaluation_year_unfinished", "subsidy_evaluation", ["year"], "status IN ('queued', 'running')"
    )
    kit3.create_column_indexes("subsidy_evaluation", "created_at")

    op.create_table(
        "subsidy_application",
        *kit3.uuid_key("subsidy_application"),
        sa.Column("decision_id", sa.Uuid(), nullable=False),
        sa.Column("decision_version", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("subsidy_type", sa.String(30), nullable=False),
        sa.Column("beneficiary_kind", sa.String(10), nullable=False),
        sa.Column("beneficiary_id", sa.Uuid(), nullable=False),
        sa.Column("jurisdiction_code", sa.String(40), nullable=False),
        sa.Column("amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("submitted_by", sa.String(255), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["subsidy_decision.id"], name=op.f("fk_subsidy_application_decision_id_subsidy_decision")
        ),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_subsidy_application_amount_not_negative")),
        sa.CheckConstraint(f"status IN ({STATUSES})", name=op.f("ck_subsidy_application_status")),
    )
    kit3.create_column_indexes("subsidy_application", "decision_id")
    op.create_index(
        "ix_subsidy_application_year_status",
        "subsidy_application",
        ["year", "subsidy_type", "jurisdiction_code", "status"],
    )
    for name, where in (("uq_subsidy_application_open", OPEN), ("uq_subsidy_application_committed", COMMITTED)):
        kit3.create_partial_unique_index(name, "subsidy_application", ["beneficiary_id", "subsidy_type", "year"], where)

    op.create_table(
        "subsidy_application_step",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("status_before", sa.String(20), nullable=True),
        sa.Column("status_after", sa.String(20), nullable=False),
        sa.Column("duty", sa.String(20), nullable=False),
        sa.Column("actor_subject", sa.String(255), nullable=False),
        sa.Column("actor_kind", sa.String(10), nullable=False),
        sa.Column("actor_name", sa.String(255), nullable=False),
        sa.Column("actor_department", sa.String(40), nullable=True),
        sa.Column("actor_jurisdiction", sa.String(40), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subsidy_application_step")),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["subsidy_application.id"],
            name=op.f("fk_subsidy_application_step_application_id_subsidy_application"),
        ),
        sa.UniqueConstraint("application_id", "seq", name="uq_subsidy_application_step_seq"),
    )

    op.create_table(
        "subsidy_payment",
        *kit3.uuid_key("subsidy_payment"),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("subsidy_type", sa.String(30), nullable=False),
        sa.Column("beneficiary_id", sa.Uuid(), nullable=False),
        sa.Column("amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("voucher_number", sa.String(100), nullable=False),
        sa.Column("recorded_by", sa.String(255), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["subsidy_application.id"],
            name=op.f("fk_subsidy_payment_application_id_subsidy_application"),
        ),
        sa.UniqueConstraint("application_id", name="uq_subsidy_payment_application_id"),
        sa.UniqueConstraint("beneficiary_id", "subsidy_type", "year", name="uq_subsidy_payment_once"),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_subsidy_payment_amount_not_negative")),
    )

    kit.create_outbox()


def downgrade() -> None:
    kit.drop_outbox()
    kit3.drop_tables(
        "subsidy_payment",
        "subsidy_application_step",
        "subsidy_application",
        "subsidy_evaluation",
        "subsidy_decision_total",
        "subsidy_decision",
        "subsidy_budget",
    )
