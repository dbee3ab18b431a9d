"""subsidy policies (补助政策) with their headcount tiers, and the idempotency keys of creates

Revision ID: s0001
Revises:
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

from shared import migration_kit_v1 as kit

revision = "s0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subsidy_policy",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("effective_to", sa.Date(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("minimum_contract_months", sa.Integer(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(255), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_by", sa.String(255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_subsidy_policy"),
        sa.UniqueConstraint("year", "version", name="uq_subsidy_policy_year_version"),
        sa.CheckConstraint("year BETWEEN 2012 AND 2100", name="ck_subsidy_policy_year_range"),
        sa.CheckConstraint("version >= 1", name="ck_subsidy_policy_version_positive"),
        sa.CheckConstraint("effective_from <= effective_to", name="ck_subsidy_policy_effective_period"),
        sa.CheckConstraint("status IN ('draft','published')", name="ck_subsidy_policy_status"),
        sa.CheckConstraint("minimum_contract_months >= 1", name="ck_subsidy_policy_minimum_contract_months"),
        sa.CheckConstraint(
            "(status = 'published') = (published_at IS NOT NULL AND published_by IS NOT NULL)",
            name="ck_subsidy_policy_published_when_stamped",
        ),
    )
    op.create_index(
        "uq_subsidy_policy_published_year",
        "subsidy_policy",
        ["year"],
        unique=True,
        postgresql_where=sa.text("status = 'published'"),
    )

    op.create_table(
        "subsidy_policy_tier",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("policy_id", sa.Uuid(), nullable=False),
        sa.Column("min_headcount", sa.Integer(), nullable=False),
        sa.Column("max_headcount", sa.Integer(), nullable=True),
        sa.Column("amount_cny", sa.Numeric(12, 2), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_subsidy_policy_tier"),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["subsidy_policy.id"],
            name="fk_subsidy_policy_tier_policy_id_subsidy_policy",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("policy_id", "min_headcount", name="uq_subsidy_policy_tier_policy_id_min"),
        sa.CheckConstraint("min_headcount >= 1", name="ck_subsidy_policy_tier_min_headcount_positive"),
        sa.CheckConstraint(
            "max_headcount IS NULL OR max_headcount >= min_headcount", name="ck_subsidy_policy_tier_max_not_below_min"
        ),
        sa.CheckConstraint("amount_cny >= 0", name="ck_subsidy_policy_tier_amount_not_negative"),
    )
    op.create_index("ix_subsidy_policy_tier_policy_id", "subsidy_policy_tier", ["policy_id"])

    kit.create_idempotency_keys()


def downgrade() -> None:
    kit.drop_idempotency_keys()
    op.drop_index("ix_subsidy_policy_tier_policy_id", table_name="subsidy_policy_tier")
    op.drop_table("subsidy_policy_tier")
    op.drop_index("uq_subsidy_policy_published_year", table_name="subsidy_policy")
    op.drop_table("subsidy_policy")
